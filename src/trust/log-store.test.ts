import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../db/open.js';
import { openCheckpoint } from './checkpoint.js';
import { LogStore } from './log-store.js';
import { leafHash, MemoryTree, verifyConsistency, verifyInclusion } from './merkle.js';
import { noteSigner, noteVerifier } from './signed-note.js';
import { decodeEntryBundle, parseTilePath } from './tiles.js';

const ORIGIN = 'aurgate.example.com/log';
const key = generateKeyPairSync('ed25519');
const signer = noteSigner(ORIGIN, key.privateKey);
const verifier = noteVerifier(ORIGIN, key.publicKey);

function openLog(): { db: Db; log: LogStore } {
  const db = openDatabase(path.join(mkdtempSync(path.join(os.tmpdir(), 'aurgate-tlog-')), 'aurgate.db'));
  return { db, log: new LogStore(db) };
}

const entry = (i: number) => Buffer.from(`{"entry":${i}}`);

/** What an attacker with the database file does first: drop the triggers that keep the log append-only. */
function dropGuards(db: Db): void {
  for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'tlog_%'").all() as Array<{
    name: string;
  }>) {
    db.exec(`DROP TRIGGER ${name}`);
  }
}

describe('SQLite log store', () => {
  it('appends entries and gives the same roots and proofs as the in-memory reference tree', () => {
    const { log } = openLog();
    const reference = new MemoryTree();
    for (let i = 0; i < 300; i += 1) {
      expect(log.append(entry(i))).toEqual({ index: i, leafHash: leafHash(entry(i)) });
      reference.append(entry(i));
    }
    expect(log.size()).toBe(300);
    for (const size of [0, 1, 2, 3, 255, 256, 257, 300]) expect(log.root(size)).toEqual(reference.root(size));
    const proof = log.inclusionProof(123, 300);
    expect(verifyInclusion(leafHash(entry(123)), 123, 300, proof, reference.root())).toBe(true);
    expect(verifyConsistency(77, 300, log.consistencyProof(77, 300), reference.root(77), reference.root())).toBe(true);
    expect(() => log.inclusionProof(1, 301)).toThrow(/beyond the log's 300 entries/);
  });

  it('serves tiles and entry bundles that match the tree, and nothing beyond it', () => {
    const { log } = openLog();
    for (let i = 0; i < 300; i += 1) log.append(entry(i));
    const full = log.tile(parseTilePath('tile/0/000')!);
    expect(full).toHaveLength(256 * 32);
    expect(full!.subarray(32 * 5, 32 * 6)).toEqual(leafHash(entry(5)));
    expect(log.tile(parseTilePath('tile/0/001.p/44')!)).toHaveLength(44 * 32);
    expect(log.tile(parseTilePath('tile/1/000.p/1')!)).toEqual(log.root(256));
    expect(decodeEntryBundle(log.tile(parseTilePath('tile/entries/001.p/44')!)!)).toEqual(Array.from({ length: 44 }, (_, i) => entry(256 + i)));
    expect(log.tile(parseTilePath('tile/0/001.p/45')!)).toBeNull();
    expect(log.tile(parseTilePath('tile/0/001')!)).toBeNull();
    expect(log.tile(parseTilePath('tile/1/000.p/2')!)).toBeNull();
    // A tile for an older tree size stays servable (a client may hold an older checkpoint).
    expect(log.tile(parseTilePath('tile/0/000.p/10')!, 10)).toEqual(full!.subarray(0, 320));
  });

  it('refuses entries that do not fit a tile bundle', () => {
    const { log } = openLog();
    expect(() => log.append(Buffer.alloc(65536, 1))).toThrow(/1 to 65535 bytes/);
    expect(() => log.append(Buffer.alloc(0))).toThrow(/1 to 65535 bytes/);
  });

  it('signs checkpoints of the whole log, reusing the latest when nothing was appended', () => {
    const { log } = openLog();
    const empty = log.publishCheckpoint(ORIGIN, [signer], 1);
    expect(openCheckpoint(empty.note, [verifier], ORIGIN)).toMatchObject({ size: 0 });
    for (let i = 0; i < 5; i += 1) log.append(entry(i));
    const five = log.publishCheckpoint(ORIGIN, [signer], 2);
    expect(openCheckpoint(five.note, [verifier], ORIGIN)).toMatchObject({ size: 5, rootHash: log.root(5) });
    expect(log.publishCheckpoint(ORIGIN, [signer], 3)).toEqual(five);
    expect(log.latestCheckpoint()).toEqual(five);
    // After a key rotation the same tree is signed again by the new key.
    const rotated = noteSigner(ORIGIN, generateKeyPairSync('ed25519').privateKey);
    expect(log.publishCheckpoint(ORIGIN, [rotated], 4).signedAt).toBe(4);
    expect(log.verifyIntegrity()).toEqual({ size: 5, checkpoints: 3 });
  });

  it('keeps its tables append-only: updates, deletes, gaps and shrinking checkpoints are refused', () => {
    const { db, log } = openLog();
    for (let i = 0; i < 3; i += 1) log.append(entry(i));
    log.publishCheckpoint(ORIGIN, [signer]);
    expect(() => db.prepare('UPDATE tlog_leaves SET data = ? WHERE idx = 1').run(entry(9))).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM tlog_leaves WHERE idx = 2').run()).toThrow(/append-only/);
    expect(() => db.prepare('INSERT INTO tlog_leaves (idx, data, appended_at) VALUES (7, ?, 0)').run(entry(7))).toThrow(/without gaps/);
    expect(() => db.prepare('UPDATE tlog_hashes SET hash = ? WHERE level = 0 AND idx = 0').run(Buffer.alloc(32))).toThrow(/append-only/);
    expect(() => db.prepare("INSERT INTO tlog_checkpoints (size, root_hash, note, signed_at) VALUES (1, ?, 'x', 0)").run(Buffer.alloc(32))).toThrow(
      /cannot be smaller/,
    );
    expect(() => db.prepare('DELETE FROM tlog_checkpoints').run()).toThrow(/append-only/);
  });

  describe('tampering by someone with the database file', () => {
    function signedLog(size = 8) {
      const { db, log } = openLog();
      for (let i = 0; i < size; i += 1) log.append(entry(i));
      const checkpoint = openCheckpoint(log.publishCheckpoint(ORIGIN, [signer]).note, [verifier], ORIGIN);
      dropGuards(db);
      return { db, log, checkpoint };
    }

    it('an edited entry: found by the integrity check, and its inclusion proof fails against the signed checkpoint', () => {
      // (Signing a new checkpoint only rechecks the entries added since the last one; the full scan is verifyIntegrity.)
      const { db, log, checkpoint } = signedLog();
      db.prepare('UPDATE tlog_leaves SET data = ? WHERE idx = 3').run(Buffer.from('{"entry":"forged"}'));
      expect(() => log.verifyIntegrity()).toThrow(/log entry 3 does not match its stored hash/);
      const forged = log.leaves(3, 1)[0] as Buffer;
      expect(verifyInclusion(leafHash(forged), 3, 8, log.inclusionProof(3, 8), checkpoint.rootHash)).toBe(false);
    });

    it('an edited entry with its stored hashes rewritten to match: the signed checkpoint no longer fits', () => {
      const { db, log, checkpoint } = signedLog();
      const forged = Buffer.from('{"entry":"forged"}');
      const rebuilt = new MemoryTree();
      for (let i = 0; i < 8; i += 1) rebuilt.append(i === 3 ? forged : entry(i));
      db.prepare('UPDATE tlog_leaves SET data = ? WHERE idx = 3').run(forged);
      for (const [level, count] of [
        [0, 8],
        [1, 4],
        [2, 2],
        [3, 1],
      ] as const) {
        for (let index = 0; index < count; index += 1)
          db.prepare('UPDATE tlog_hashes SET hash = ? WHERE level = ? AND idx = ?').run(rebuilt.read(level, index), level, index);
      }
      expect(() => log.verifyIntegrity()).toThrow(/checkpoint 8 was signed for another tree than the stored entries give/);
      expect(log.root(8).equals(checkpoint.rootHash)).toBe(false);
    });

    it('a reordered log: entries swapped in place are found', () => {
      const { db, log } = signedLog();
      db.prepare('UPDATE tlog_leaves SET data = ? WHERE idx = 1').run(entry(2));
      db.prepare('UPDATE tlog_leaves SET data = ? WHERE idx = 2').run(entry(1));
      expect(() => log.verifyIntegrity()).toThrow(/log entry 1 does not match its stored hash: it was edited or reordered/);
    });

    it('a truncated log: entries removed after a checkpoint are found', () => {
      const { db, log } = signedLog();
      db.prepare('DELETE FROM tlog_leaves WHERE idx >= 6').run();
      expect(() => log.verifyIntegrity()).toThrow(/checkpoint 8 was signed but the log holds only 6 entries/);
    });

    it('a log truncated and re-grown differently: the new tree is not consistent with the signed one', () => {
      const { db, log, checkpoint } = signedLog();
      db.prepare('DELETE FROM tlog_leaves WHERE idx >= 5').run();
      db.prepare('DELETE FROM tlog_hashes').run();
      db.prepare('DELETE FROM tlog_checkpoints').run();
      const regrown = new LogStore(db);
      const replay = [0, 1, 2, 3, 4].map((i) => regrown.leaves(i, 1)[0] as Buffer);
      db.prepare('DELETE FROM tlog_leaves').run();
      for (const data of replay) regrown.append(data);
      for (let i = 0; i < 6; i += 1) regrown.append(Buffer.from(`{"entry":"other ${i}"}`));
      const forgedCheckpoint = openCheckpoint(regrown.publishCheckpoint(ORIGIN, [signer]).note, [verifier], ORIGIN);
      expect(forgedCheckpoint.size).toBe(11);
      const proof = regrown.consistencyProof(checkpoint.size, forgedCheckpoint.size);
      expect(verifyConsistency(checkpoint.size, forgedCheckpoint.size, proof, checkpoint.rootHash, forgedCheckpoint.rootHash)).toBe(false);
      expect(log.size()).toBe(11);
    });
  });
});
