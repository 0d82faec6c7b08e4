import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../db/open.js';
import { AttestationLog } from './attestation-log.js';
import { verifyAttestation } from './attestation.js';
import { openCheckpoint } from './checkpoint.js';
import { parseJsonl, serializeEnvelope } from './dsse.js';
import { rawPublicKey, signEd25519 } from './ed25519.js';
import { keyIdOf } from './key-store.js';
import { LogStore } from './log-store.js';
import { leafHash, verifyInclusion } from './merkle.js';
import { noteSigner, noteVerifier } from './signed-note.js';
import { approvalStatement, revocationStatement, type DecisionFacts } from './statement.js';
import { decisionFacts } from '../../test/support/decision-facts.js';

const ORIGIN = 'aurgate.example.com/log';
const COMMIT = '1'.repeat(40);
const key = generateKeyPairSync('ed25519');
const keyid = keyIdOf(rawPublicKey(key.publicKey));
const signer = { keyid, sign: (message: Uint8Array) => signEd25519(key.privateKey, message) };

const facts = (commit: string, pkgbase = 'hello'): DecisionFacts => decisionFacts({ commit, pkgbase });

function open() {
  const db = openDatabase(path.join(mkdtempSync(path.join(os.tmpdir(), 'aurgate-attest-')), 'aurgate.db'));
  const store = new LogStore(db);
  return { db, store, log: new AttestationLog(db, store) };
}

describe('attestation log', () => {
  it('appends each signed decision as a log entry, indexed by its subject, served as .intoto.jsonl', () => {
    const { store, log } = open();
    const approval = log.record(approvalStatement(facts(COMMIT)), signer);
    log.record(approvalStatement(facts('2'.repeat(40))), signer);
    log.record(approvalStatement(facts(COMMIT, 'other')), signer);
    const revocation = log.record(revocationStatement(facts(COMMIT), { reason: 'bad', revokedBy: 'carol' }), signer);
    expect([approval.index, revocation.index]).toEqual([0, 3]);
    expect(log.find('hello', COMMIT).map((entry) => [entry.index, entry.decision])).toEqual([
      [0, 'approved'],
      [3, 'revoked'],
    ]);
    const envelopes = parseJsonl(log.jsonl('hello', COMMIT));
    expect(envelopes.map((envelope) => serializeEnvelope(envelope))).toEqual([approval.line, revocation.line]);
    expect(
      verifyAttestation(approval.line, [{ keyid, publicKey: key.publicKey }], { pkgbase: 'hello', commit: COMMIT, sha256: 'f'.repeat(64) }).predicate
        .decision,
    ).toBe('approved');

    // What `aurgate verify` will do with the line and a checkpoint: the entry is in the signed tree.
    const checkpoint = openCheckpoint(
      store.publishCheckpoint(ORIGIN, [noteSigner(ORIGIN, key.privateKey)]).note,
      [noteVerifier(ORIGIN, key.publicKey)],
      ORIGIN,
    );
    expect(
      verifyInclusion(
        leafHash(approval.line),
        approval.index,
        checkpoint.size,
        store.inclusionProof(approval.index, checkpoint.size),
        checkpoint.rootHash,
      ),
    ).toBe(true);
    expect(log.jsonl('nothing', COMMIT)).toBe('');
  });

  it('records nothing when the caller’s transaction rolls back: a decision and its attestation go together', () => {
    const { db, store, log } = open();
    const decide = db.transaction(() => {
      log.record(approvalStatement(facts(COMMIT)), signer);
      throw new Error('the approval itself failed');
    });
    expect(() => decide()).toThrow(/approval itself failed/);
    expect(store.size()).toBe(0);
    expect(log.find('hello', COMMIT)).toEqual([]);
  });
});
