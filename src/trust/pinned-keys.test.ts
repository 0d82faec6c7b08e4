import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertLogged, signAttestation, verifyAttestation } from './attestation.js';
import { openCheckpoint, signCheckpoint } from './checkpoint.js';
import { openKeyStore, rotateKey } from './key-store.js';
import { MemoryTree, inclusionProof } from './merkle.js';
import { formatPinnedKeys, parsePinnedKeys, pinnedKeysOf } from './pinned-keys.js';
import { approvalStatement } from './statement.js';
import { decisionFacts } from '../../test/support/decision-facts.js';

const ORIGIN = 'aurgate.example.com/log';
const facts = decisionFacts({ commit: '3'.repeat(40), archiveSha256: '4'.repeat(64) });

describe('pinned keys', () => {
  it('one pinned line per key checks both checkpoints and attestations, across a rotation', () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'aurgate-pin-')), 'keys');
    const old = openKeyStore(dir).active;
    const signedBefore = signAttestation(approvalStatement(facts), old);
    const store = rotateKey(dir);
    const text = `# aurgate.example.com signing keys\n${formatPinnedKeys(store.keys, ORIGIN)}`;
    expect(text.trim().split('\n')).toHaveLength(3);
    const pinned = parsePinnedKeys(text);
    expect(pinned.dsse.map((key) => key.keyid)).toEqual(store.keys.map((key) => key.keyid));
    expect(verifyAttestation(signedBefore.bytes, pinned.dsse).predicate.pkgbase).toBe('hello');
    const note = signCheckpoint({ origin: ORIGIN, size: 1, rootHash: Buffer.alloc(32), extensions: [] }, [store.active.noteSigner(ORIGIN)]);
    expect(openCheckpoint(note, pinned.notes, ORIGIN).size).toBe(1);
    expect(pinnedKeysOf(store.keys, ORIGIN).notes).toHaveLength(2);
  });

  it('refuses an empty or malformed pin file', () => {
    expect(() => parsePinnedKeys('# nothing\n\n')).toThrow(/pin at least one note verifier key/);
    expect(() => parsePinnedKeys('example.com+00000000+AAAA')).toThrow(/invalid verifier key/);
  });

  it('proves an attestation is a logged entry, and names what is wrong when it is not', () => {
    const store = openKeyStore(path.join(mkdtempSync(path.join(os.tmpdir(), 'aurgate-pin-')), 'keys'));
    const line = signAttestation(approvalStatement(facts), store.active).bytes;
    const tree = new MemoryTree();
    tree.append(Buffer.from('first'));
    tree.append(line);
    tree.append(Buffer.from('third'));
    const checkpoint = { origin: ORIGIN, size: 3, rootHash: tree.root(), extensions: [] };
    expect(() => assertLogged(line, 1, inclusionProof(tree.read, 1, 3), checkpoint)).not.toThrow();
    const backdated = signAttestation(approvalStatement({ ...facts, decidedAt: new Date(-1000) }), store.active).bytes;
    expect(() => assertLogged(backdated, 1, inclusionProof(tree.read, 1, 3), checkpoint, 'the approval of hello')).toThrow(
      /the approval of hello is not entry 1 of the log checkpoint of 3 entries: it was altered, or never logged/,
    );
  });
});
