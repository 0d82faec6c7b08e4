import type { Statement } from 'better-sqlite3';
import { inTransaction, type Db } from '../db/open.js';
import { InvalidInput } from '../errors.js';
import { signCheckpoint } from './checkpoint.js';
import { TamperedError } from './errors.js';
import {
  consistencyProof,
  inclusionProof,
  leafHash,
  nodeHash,
  storedHashesForAppend,
  treeHash,
  EMPTY_TREE_HASH,
  type StoredHashReader,
} from './merkle.js';
import type { NoteSigner } from './signed-note.js';
import { encodeEntryBundle, MAX_ENTRY_BYTES, readHashTile, tileExists, TILE_WIDTH, type HashRangeReader, type TileCoordinate } from './tiles.js';

export interface StoredCheckpoint {
  size: number;
  rootHash: Buffer;
  note: string;
  signedAt: number;
}

export interface IntegrityReport {
  size: number;
  checkpoints: number;
}

/**
 * The append-only log in SQLite: the only module that reads or writes the tlog_* tables. Appends run
 * in one IMMEDIATE transaction each (or inside the caller's), so the size read and the rows written
 * cannot interleave with another process appending.
 */
export class LogStore {
  private readonly statements: {
    size: Statement<[], { n: number }>;
    insertLeaf: Statement<[number, Buffer, number]>;
    insertHash: Statement<[number, number, Buffer]>;
    hash: Statement<[number, number], { hash: Buffer }>;
    hashRange: Statement<[number, number, number], { hash: Buffer }>;
    leaves: Statement<[number, number], { data: Buffer }>;
    latestCheckpoint: Statement<[], { size: number; root_hash: Buffer; note: string; signed_at: number }>;
    checkpoints: Statement<[], { size: number; root_hash: Buffer }>;
    insertCheckpoint: Statement<[number, Buffer, string, number]>;
  };

  constructor(private readonly db: Db) {
    this.statements = {
      size: db.prepare('SELECT COALESCE(MAX(idx) + 1, 0) AS n FROM tlog_leaves'),
      insertLeaf: db.prepare('INSERT INTO tlog_leaves (idx, data, appended_at) VALUES (?, ?, ?)'),
      insertHash: db.prepare('INSERT INTO tlog_hashes (level, idx, hash) VALUES (?, ?, ?)'),
      hash: db.prepare('SELECT hash FROM tlog_hashes WHERE level = ? AND idx = ?'),
      hashRange: db.prepare('SELECT hash FROM tlog_hashes WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx'),
      leaves: db.prepare('SELECT data FROM tlog_leaves WHERE idx >= ? AND idx < ? ORDER BY idx'),
      latestCheckpoint: db.prepare('SELECT size, root_hash, note, signed_at FROM tlog_checkpoints ORDER BY id DESC LIMIT 1'),
      checkpoints: db.prepare('SELECT size, root_hash FROM tlog_checkpoints ORDER BY id'),
      insertCheckpoint: db.prepare('INSERT INTO tlog_checkpoints (size, root_hash, note, signed_at) VALUES (?, ?, ?, ?)'),
    };
  }

  readonly readHash: StoredHashReader = (level, index) => {
    const row = this.statements.hash.get(level, index);
    if (!row) throw new TamperedError('corrupt-store', `the log has no stored hash (${level}, ${index}): its tables were changed`);
    return row.hash;
  };

  readonly readHashRange: HashRangeReader = (level, from, count) => this.statements.hashRange.all(level, from, from + count).map((row) => row.hash);

  size(): number {
    return this.statements.size.get()?.n ?? 0;
  }

  /** Appends one entry; returns its index and leaf hash. */
  append(data: Uint8Array, now = Date.now()): { index: number; leafHash: Buffer } {
    if (data.length === 0 || data.length > MAX_ENTRY_BYTES)
      throw new InvalidInput(`a log entry is 1 to ${MAX_ENTRY_BYTES} bytes, got ${data.length}`);
    return inTransaction(this.db, () => {
      const index = this.size();
      const hash = leafHash(data);
      this.statements.insertLeaf.run(index, Buffer.from(data), now);
      for (const stored of storedHashesForAppend(index, hash, this.readHash)) this.statements.insertHash.run(stored.level, stored.index, stored.hash);
      return { index, leafHash: hash };
    });
  }

  leaves(from: number, count: number): Buffer[] {
    return this.statements.leaves.all(from, from + count).map((row) => row.data);
  }

  root(size = this.size()): Buffer {
    return treeHash(this.readHash, size);
  }

  inclusionProof(index: number, size = this.size()): Buffer[] {
    this.assertWithin(size);
    return inclusionProof(this.readHash, index, size);
  }

  consistencyProof(oldSize: number, newSize = this.size()): Buffer[] {
    this.assertWithin(newSize);
    return consistencyProof(this.readHash, oldSize, newSize);
  }

  /** A tile's bytes, or null when the tree of `treeSize` leaves does not hold all of it. */
  tile(tile: TileCoordinate, treeSize = this.size()): Buffer | null {
    this.assertWithin(treeSize);
    if (!tileExists(tile, treeSize)) return null;
    if (tile.kind === 'entries') return encodeEntryBundle(this.leaves(tile.index * TILE_WIDTH, tile.width));
    return readHashTile(this.readHashRange, tile.level, tile.index, tile.width);
  }

  latestCheckpoint(): StoredCheckpoint | null {
    const row = this.statements.latestCheckpoint.get();
    return row ? { size: row.size, rootHash: row.root_hash, note: row.note, signedAt: row.signed_at } : null;
  }

  /**
   * Signs and records a checkpoint of the whole log (or returns the latest when nothing was appended
   * since and it carries a signature by every signer; after a key rotation the same size is signed anew). Before signing it checks that the stored tree still extends the last signed one and that
   * every entry since hashes to its stored leaf hash: the log never signs a rewritten history.
   */
  publishCheckpoint(origin: string, signers: readonly NoteSigner[], now = Date.now()): StoredCheckpoint {
    return inTransaction(this.db, () => {
      const size = this.size();
      const latest = this.latestCheckpoint();
      if (latest && latest.size === size && signedByAll(latest.note, signers)) return latest;
      if (latest) {
        if (size < latest.size) throw new TamperedError('corrupt-store', `the log holds ${size} entries but checkpoint ${latest.size} was signed`);
        if (!this.root(latest.size).equals(latest.rootHash)) {
          throw new TamperedError('corrupt-store', `the stored tree no longer matches signed checkpoint ${latest.size}: refusing to sign`);
        }
      }
      const from = latest?.size ?? 0;
      this.leaves(from, size - from).forEach((data, offset) => {
        if (!leafHash(data).equals(this.readHash(0, from + offset))) {
          throw new TamperedError('corrupt-store', `log entry ${from + offset} does not match its stored hash: refusing to sign`);
        }
      });
      const rootHash = this.root(size);
      const note = signCheckpoint({ origin, size, rootHash, extensions: [] }, signers);
      this.statements.insertCheckpoint.run(size, rootHash, note, now);
      return { size, rootHash, note, signedAt: now };
    });
  }

  /**
   * Records a checkpoint another server signed (a replica keeping its primary's log), after the
   * caller verified its signature: inside the caller's transaction, the stored tree of exactly that
   * size must hash to its root, so entries appended before it are exactly the signed ones (otherwise
   * the caller's transaction rolls back with them).
   */
  recordVerifiedCheckpoint(checkpoint: { size: number; rootHash: Buffer; note: string }, now = Date.now()): StoredCheckpoint {
    return inTransaction(this.db, () => {
      const size = this.size();
      if (size !== checkpoint.size) throw new TamperedError('not-included', `the log holds ${size} entries, the checkpoint signs ${checkpoint.size}`);
      if (!this.root(size).equals(checkpoint.rootHash)) {
        throw new TamperedError('not-included', `the entries read from the log do not hash to the signed root of ${checkpoint.size} entries`);
      }
      const latest = this.latestCheckpoint();
      if (latest && latest.size === size && latest.note === checkpoint.note) return latest;
      this.statements.insertCheckpoint.run(size, checkpoint.rootHash, checkpoint.note, now);
      return { size, rootHash: checkpoint.rootHash, note: checkpoint.note, signedAt: now };
    });
  }

  /**
   * Recomputes the whole tree from the stored entries and compares every stored hash and every signed
   * checkpoint with it: an edited, removed, reordered or re-grown entry is reported with its index.
   */
  verifyIntegrity(): IntegrityReport {
    const size = this.size();
    const checkpoints = this.statements.checkpoints.all();
    const rootsWanted = new Map<number, Buffer[]>();
    for (const checkpoint of checkpoints) rootsWanted.set(checkpoint.size, [...(rootsWanted.get(checkpoint.size) ?? []), checkpoint.root_hash]);
    const checkRoot = (at: number, root: Buffer) => {
      for (const wanted of rootsWanted.get(at) ?? []) {
        if (!wanted.equals(root))
          throw new TamperedError('corrupt-store', `checkpoint ${at} was signed for another tree than the stored entries give`);
      }
    };
    checkRoot(0, EMPTY_TREE_HASH);
    // A compact range: the roots of the complete subtrees covering the prefix read so far.
    const stack: Array<{ level: number; index: number; hash: Buffer }> = [];
    const pageSize = 1024;
    for (let from = 0; from < size; from += pageSize) {
      this.leaves(from, pageSize).forEach((data, offset) => {
        const index = from + offset;
        let node = { level: 0, index, hash: leafHash(data) };
        this.expectStored(node, `log entry ${index} does not match its stored hash: it was edited or reordered`);
        for (let top = stack.at(-1); top && top.level === node.level; top = stack.at(-1)) {
          stack.pop();
          node = { level: node.level + 1, index: top.index / 2, hash: nodeHash(top.hash, node.hash) };
          this.expectStored(node, `stored subtree hash (${node.level}, ${node.index}) does not match the entries`);
        }
        stack.push(node);
        if (rootsWanted.has(index + 1))
          checkRoot(index + 1, stack.reduceRight((right, left) => ({ ...left, hash: nodeHash(left.hash, right.hash) })).hash);
      });
    }
    const beyond = checkpoints.find((checkpoint) => checkpoint.size > size);
    if (beyond)
      throw new TamperedError('corrupt-store', `checkpoint ${beyond.size} was signed but the log holds only ${size} entries: entries were removed`);
    return { size, checkpoints: checkpoints.length };
  }

  private expectStored(node: { level: number; index: number; hash: Buffer }, message: string): void {
    const stored = this.statements.hash.get(node.level, node.index);
    if (!stored || !stored.hash.equals(node.hash)) throw new TamperedError('corrupt-store', message);
  }

  private assertWithin(size: number): void {
    const current = this.size();
    if (!Number.isSafeInteger(size) || size < 0 || size > current) throw new InvalidInput(`tree size ${size} is beyond the log's ${current} entries`);
  }
}

/** Whether the note has a signature line by each signer's name and key hash. */
function signedByAll(note: string, signers: readonly NoteSigner[]): boolean {
  const lines = note.split('\n');
  return signers.every((signer) =>
    lines.some((line) => {
      const prefix = `— ${signer.name} `;
      return line.startsWith(prefix) && Buffer.from(line.slice(prefix.length), 'base64').readUInt32BE(0) === signer.keyHash;
    }),
  );
}
