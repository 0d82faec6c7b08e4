import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inTransaction, openDatabase } from '../db/open.js';
import { decisionFacts } from '../../test/support/decision-facts.js';
import { AttestationLog } from './attestation-log.js';
import { verifyAttestation } from './attestation.js';
import { openCheckpoint } from './checkpoint.js';
import { rawPublicKey, signEd25519 } from './ed25519.js';
import { keyIdOf } from './key-store.js';
import { LogStore } from './log-store.js';
import { MirroredLog } from './mirrored-log.js';
import { formatVerifierKey, noteSigner, noteVerifier } from './signed-note.js';
import { approvalStatement, revocationStatement } from './statement.js';
import { parseTilePath } from './tiles.js';

const ORIGIN = 'primary.example.com';
const key = generateKeyPairSync('ed25519');
const dsse = [{ keyid: keyIdOf(rawPublicKey(key.publicKey)), publicKey: key.publicKey }];
const signer = { keyid: dsse[0]!.keyid, sign: (message: Uint8Array) => signEd25519(key.privateKey, message) };
const pinned = `${formatVerifierKey(ORIGIN, rawPublicKey(key.publicKey))}\n`;

const database = (name: string) => openDatabase(path.join(mkdtempSync(path.join(os.tmpdir(), `aurgate-${name}-`)), 'aurgate.db'));

/** A primary's log with a few decisions and a checkpoint signed over them. */
function primaryLog(decisions: number) {
  const db = database('primary');
  const store = new LogStore(db);
  const log = new AttestationLog(db, store);
  for (let i = 0; i < decisions; i += 1) log.record(approvalStatement(decisionFacts({ commit: String(i).repeat(40).slice(0, 40) })), signer);
  log.record(revocationStatement(decisionFacts({ commit: '0'.repeat(40) }), { reason: 'bad', revokedBy: 'carol' }), signer);
  const checkpoint = store.publishCheckpoint(ORIGIN, [noteSigner(ORIGIN, key.privateKey)]);
  return { store, log, checkpoint: openCheckpoint(checkpoint.note, [noteVerifier(ORIGIN, key.publicKey)], ORIGIN) };
}

/** What the follower does with verified entries: append them all, then record the checkpoint, in one transaction. */
function mirror(
  target: MirroredLog,
  db: ReturnType<typeof database>,
  entries: Buffer[],
  checkpoint: { size: number; rootHash: Buffer; note: string },
) {
  inTransaction(db, () => {
    for (const entry of entries) target.attestationLog.appendSigned(entry, verifyAttestation(entry, dsse));
    target.store.recordVerifiedCheckpoint(checkpoint);
  });
}

describe('a mirrored log (a replica keeping its primary’s log)', () => {
  it('serves exactly what the primary serves once its entries verified against the signed root', () => {
    const primary = primaryLog(3);
    const db = database('replica');
    const replica = new MirroredLog(db, ORIGIN, pinned);
    expect(() => replica.checkpoint()).toThrow(/not verified a checkpoint/);
    mirror(replica, db, primary.store.leaves(0, primary.store.size()), primary.checkpoint);
    expect(replica.checkpoint()).toBe(primary.checkpoint.note);
    expect(replica.size()).toBe(4);
    expect(replica.tile(parseTilePath('tile/entries/000.p/4')!)).toEqual(primary.store.tile(parseTilePath('tile/entries/000.p/4')!));
    expect(replica.attestations('hello', '0'.repeat(40))).toBe(primary.log.jsonl('hello', '0'.repeat(40)));
    expect(replica.approvalOf('hello', '1'.repeat(40))?.index).toBe(1);
    expect(replica.consistencyProof(2, 4)).toEqual(primary.store.consistencyProof(2, 4));
    expect(replica.pinnedKeys()).toBe(pinned);
  });

  it('stores nothing when the entries do not hash to the signed root (a swapped or reordered entry)', () => {
    const primary = primaryLog(3);
    const db = database('replica');
    const replica = new MirroredLog(db, ORIGIN, pinned);
    const entries = primary.store.leaves(0, 4);
    const reordered = [entries[1]!, entries[0]!, entries[2]!, entries[3]!];
    expect(() => mirror(replica, db, reordered, primary.checkpoint)).toThrow(/do not hash to the signed root/);
    expect(replica.store.size()).toBe(0);
    expect(replica.size()).toBe(0);
    expect(() => mirror(replica, db, entries.slice(0, 3), primary.checkpoint)).toThrow(/holds 3 entries, the checkpoint signs 4/);
    expect(replica.store.size()).toBe(0);
    mirror(replica, db, entries, primary.checkpoint);
    expect(replica.size()).toBe(4);
  });
});
