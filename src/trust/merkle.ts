import { createHash } from 'node:crypto';

/**
 * RFC 6962 Merkle tree hashing (§2.1) and proofs, over "stored hashes": the hash of every complete,
 * aligned subtree, addressed as (level, index) for leaves [index·2^level, (index+1)·2^level). This is
 * the layout of Go's golang.org/x/mod/sumdb/tlog and the content of C2SP tiles. Any MTH(D[lo:hi]) the
 * RFC algorithms need is a fold of O(log n) stored hashes, so proofs never rehash leaves.
 *
 * Hand-written: the algorithms are a page of the RFC, and the npm Merkle libraries either do not follow
 * RFC 6962 (they duplicate odd nodes) or bring their own storage. Verification follows RFC 9162
 * §2.1.3.2 and §2.1.4.2 and is tested on the Certificate Transparency vectors and against Go's tlog.
 */
export const HASH_BYTES = 32;
/** MTH({}) = SHA-256 of the empty string. */
export const EMPTY_TREE_HASH = createHash('sha256').digest();

/** Returns the stored hash of the complete subtree (level, index); throws if it is not stored. */
export type StoredHashReader = (level: number, index: number) => Buffer;

export interface StoredHash {
  level: number;
  index: number;
  hash: Buffer;
}

export function leafHash(data: Uint8Array): Buffer {
  return createHash('sha256')
    .update(Buffer.from([0]))
    .update(data)
    .digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256')
    .update(Buffer.from([1]))
    .update(left)
    .update(right)
    .digest();
}

/** The stored hashes that appending leaf number `index` (0-based) adds: its own, then each subtree it completes. */
export function storedHashesForAppend(index: number, hash: Buffer, read: StoredHashReader): StoredHash[] {
  assertSize(index);
  const added: StoredHash[] = [{ level: 0, index, hash }];
  let current = hash;
  let position = index;
  for (let level = 1; position % 2 === 1; level += 1) {
    current = nodeHash(read(level - 1, position - 1), current);
    position = (position - 1) / 2;
    added.push({ level, index: position, hash: current });
  }
  return added;
}

/** MTH(D[lo:hi]) for a range the RFC algorithms visit (its power-of-two parts are aligned). */
export function subtreeHash(read: StoredHashReader, lo: number, hi: number): Buffer {
  const width = hi - lo;
  if (width <= 0) throw new RangeError(`empty subtree [${lo}, ${hi})`);
  if (isPowerOfTwo(width)) {
    if (lo % width !== 0) throw new RangeError(`subtree [${lo}, ${hi}) is not aligned`);
    return read(Math.log2(width), lo / width);
  }
  const split = largestPowerOfTwoBelow(width);
  return nodeHash(subtreeHash(read, lo, lo + split), subtreeHash(read, lo + split, hi));
}

export function treeHash(read: StoredHashReader, size: number): Buffer {
  assertSize(size);
  return size === 0 ? EMPTY_TREE_HASH : subtreeHash(read, 0, size);
}

/** RFC 6962 §2.1.1 PATH(index, D[size]): the audit path of one leaf, bottom to top. */
export function inclusionProof(read: StoredHashReader, index: number, size: number): Buffer[] {
  assertSize(size);
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) throw new RangeError(`leaf ${index} is not in a tree of size ${size}`);
  const path: Buffer[] = [];
  const walk = (m: number, lo: number, hi: number): void => {
    if (hi - lo === 1) return;
    const split = largestPowerOfTwoBelow(hi - lo);
    if (m < split) {
      walk(m, lo, lo + split);
      path.push(subtreeHash(read, lo + split, hi));
    } else {
      walk(m - split, lo + split, hi);
      path.push(subtreeHash(read, lo, lo + split));
    }
  };
  walk(index, 0, size);
  return path;
}

/** RFC 6962 §2.1.2 PROOF(oldSize, D[newSize]); empty when oldSize is 0 or equals newSize. */
export function consistencyProof(read: StoredHashReader, oldSize: number, newSize: number): Buffer[] {
  assertSize(oldSize);
  assertSize(newSize);
  if (oldSize > newSize) throw new RangeError(`no consistency proof from size ${oldSize} to the smaller size ${newSize}`);
  if (oldSize === 0 || oldSize === newSize) return [];
  const proof: Buffer[] = [];
  const walk = (m: number, lo: number, hi: number, complete: boolean): void => {
    if (m === hi - lo) {
      if (!complete) proof.push(subtreeHash(read, lo, hi));
      return;
    }
    const split = largestPowerOfTwoBelow(hi - lo);
    if (m <= split) {
      walk(m, lo, lo + split, complete);
      proof.push(subtreeHash(read, lo + split, hi));
    } else {
      walk(m - split, lo + split, hi, false);
      proof.push(subtreeHash(read, lo, lo + split));
    }
  };
  walk(oldSize, 0, newSize, true);
  return proof;
}

/** The root an inclusion proof leads to (RFC 9162 §2.1.3.2), or null when the proof cannot be valid for (index, size). */
export function rootFromInclusionProof(leaf: Uint8Array, index: number, size: number, proof: readonly Uint8Array[]): Buffer | null {
  if (!validSizes(index, size) || index >= size || leaf.length !== HASH_BYTES || proof.some((hash) => hash.length !== HASH_BYTES)) return null;
  let fn = index;
  let sn = size - 1;
  let root: Buffer = Buffer.from(leaf);
  for (const sibling of proof) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      root = nodeHash(sibling, root);
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn / 2, Math.floor(sn / 2)];
    } else {
      root = nodeHash(root, sibling);
    }
    [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
  }
  return sn === 0 ? root : null;
}

export function verifyInclusion(leaf: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  const computed = rootFromInclusionProof(leaf, index, size, proof);
  return computed !== null && computed.equals(root);
}

/** RFC 9162 §2.1.4.2: does `proof` show that the tree (oldSize, oldRoot) is a prefix of (newSize, newRoot)? */
export function verifyConsistency(oldSize: number, newSize: number, proof: readonly Uint8Array[], oldRoot: Uint8Array, newRoot: Uint8Array): boolean {
  if (!validSizes(oldSize, newSize) || oldSize > newSize || proof.some((hash) => hash.length !== HASH_BYTES)) return false;
  if (oldSize === newSize) return proof.length === 0 && Buffer.from(oldRoot).equals(newRoot);
  if (oldSize === 0) return proof.length === 0;
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : [...proof];
  if (path.length === 0) return false;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) [fn, sn] = [(fn - 1) / 2, Math.floor(sn / 2)];
  let fr: Buffer = Buffer.from(path[0] as Uint8Array);
  let sr = fr;
  for (const hash of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(hash, fr);
      sr = nodeHash(hash, sr);
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn / 2, Math.floor(sn / 2)];
    } else {
      sr = nodeHash(sr, hash);
    }
    [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
  }
  return sn === 0 && fr.equals(oldRoot) && sr.equals(newRoot);
}

/** An in-memory log: the reference the SQLite store is tested against, and a helper for tests. */
export class MemoryTree {
  private readonly levels: Buffer[][] = [];
  size = 0;

  readonly read: StoredHashReader = (level, index) => {
    const hash = this.levels[level]?.[index];
    if (!hash) throw new RangeError(`no stored hash (${level}, ${index})`);
    return hash;
  };

  append(data: Uint8Array): number {
    const index = this.size;
    for (const stored of storedHashesForAppend(index, leafHash(data), this.read)) {
      (this.levels[stored.level] ??= [])[stored.index] = stored.hash;
    }
    this.size += 1;
    return index;
  }

  root(size = this.size): Buffer {
    return treeHash(this.read, size);
  }
}

export function isPowerOfTwo(n: number): boolean {
  // Math.log2 rounds for large n (log2(2^50 + 1) === 50), hence the exact check after it.
  return n > 0 && Number.isInteger(Math.log2(n)) && 2 ** Math.log2(n) === n;
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function validSizes(a: number, b: number): boolean {
  return Number.isSafeInteger(a) && Number.isSafeInteger(b) && a >= 0 && b >= 0;
}

function assertSize(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`invalid tree size or index ${n}`);
}
