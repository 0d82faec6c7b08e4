import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  consistencyProof,
  EMPTY_TREE_HASH,
  inclusionProof,
  isPowerOfTwo,
  leafHash,
  MemoryTree,
  nodeHash,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';

// The Certificate Transparency reference vectors (RFC 6962 test data, as kept in
// github.com/transparency-dev/merkle proof/verify_test.go): eight leaves, the roots of each prefix
// of the tree, and audit paths/consistency proofs between some sizes.
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((hex) =>
  Buffer.from(hex, 'hex'),
);
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
// [leaf index (0-based), tree size, audit path]
const INCLUSION: Array<[number, number, string[]]> = [
  [0, 1, []],
  [
    0,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    5,
    8,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [
    1,
    5,
    [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];
// [old size, new size, proof]
const CONSISTENCY: Array<[number, number, string[]]> = [
  [1, 1, []],
  [
    1,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    6,
    8,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [2, 5, ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
  [
    6,
    7,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
];

const hex = (hashes: Buffer[]) => hashes.map((hash) => hash.toString('hex'));
const unhex = (hashes: string[]) => hashes.map((hash) => Buffer.from(hash, 'hex'));

function ctTree(): MemoryTree {
  const tree = new MemoryTree();
  for (const leaf of LEAVES) tree.append(leaf);
  return tree;
}

describe('RFC 6962 Merkle tree', () => {
  it('hashes leaves and nodes with the 0x00 / 0x01 prefixes, and the empty tree as SHA-256("")', () => {
    expect(leafHash(Buffer.alloc(0)).toString('hex')).toBe(ROOTS[0]);
    expect(nodeHash(Buffer.alloc(32, 1), Buffer.alloc(32, 2))).toEqual(
      createHash('sha256')
        .update(Buffer.concat([Buffer.from([1]), Buffer.alloc(32, 1), Buffer.alloc(32, 2)]))
        .digest(),
    );
    expect(EMPTY_TREE_HASH.toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(new MemoryTree().root()).toEqual(EMPTY_TREE_HASH);
  });

  it('computes the CT reference roots of every prefix of the eight-leaf tree', () => {
    const tree = ctTree();
    expect(ROOTS.map((_, size) => tree.root(size + 1).toString('hex'))).toEqual(ROOTS);
  });

  it.each(INCLUSION)('produces and verifies the reference audit path of leaf %i in a tree of size %i', (index, size, path) => {
    const tree = ctTree();
    expect(hex(inclusionProof(tree.read, index, size))).toEqual(path);
    const leaf = leafHash(LEAVES[index] as Buffer);
    const root = Buffer.from(ROOTS[size - 1] as string, 'hex');
    expect(verifyInclusion(leaf, index, size, unhex(path), root)).toBe(true);
  });

  it.each(CONSISTENCY)('produces and verifies the reference consistency proof from size %i to %i', (oldSize, newSize, proof) => {
    const tree = ctTree();
    expect(hex(consistencyProof(tree.read, oldSize, newSize))).toEqual(proof);
    const [oldRoot, newRoot] = [oldSize, newSize].map((size) => Buffer.from(ROOTS[size - 1] as string, 'hex')) as [Buffer, Buffer];
    expect(verifyConsistency(oldSize, newSize, unhex(proof), oldRoot, newRoot)).toBe(true);
  });

  it('rejects the corrupted inclusion proofs of the CT test suite', () => {
    const [index, size, path] = INCLUSION[2] as [number, number, string[]];
    const proof = unhex(path);
    const leaf = leafHash(LEAVES[index] as Buffer);
    const root = Buffer.from(ROOTS[size - 1] as string, 'hex');
    const someHash = Buffer.from('abacaba000000000000000000000000000000000000000000060061e00123456', 'hex');
    const probes: Array<[number, number, Buffer, Buffer[], Buffer]> = [
      [index - 1, size, leaf, proof, root],
      [index + 1, size, leaf, proof, root],
      [index ^ 2, size, leaf, proof, root],
      [index, size * 2, leaf, proof, root],
      [index, size / 2, leaf, proof, root],
      [index, size, leafHash(Buffer.from('WrongLeaf')), proof, root],
      [index, size, leaf, proof, EMPTY_TREE_HASH],
      [index, size, leaf, proof, someHash],
      [index, size, leaf, [...proof, Buffer.alloc(0)], root],
      [index, size, leaf, [...proof, root], root],
      [index, size, leaf, [root, ...proof], root],
      [index, size, leaf, proof.slice(0, -1), root],
      [index, size, leaf, [proof[0] as Buffer, someHash, ...proof.slice(1)], root],
      ...proof.map((_, i): [number, number, Buffer, Buffer[], Buffer] => {
        const flipped = proof.map((hash) => Buffer.from(hash));
        (flipped[i] as Buffer)[0]! ^= 8;
        return [index, size, leaf, flipped, root];
      }),
    ];
    for (const [i, s, l, p, r] of probes) expect(verifyInclusion(l, i, s, p, r)).toBe(false);
    expect(rootFromInclusionProof(leaf, 8, 8, proof)).toBeNull();
  });

  it('rejects the corrupted consistency proofs of the CT test suite', () => {
    const [oldSize, newSize, hashes] = CONSISTENCY[2] as [number, number, string[]];
    const proof = unhex(hashes);
    const [r1, r2] = [oldSize, newSize].map((size) => Buffer.from(ROOTS[size - 1] as string, 'hex')) as [Buffer, Buffer];
    const probes: Array<[number, number, Buffer[], Buffer, Buffer]> = [
      [oldSize - 1, newSize, proof, r1, r2],
      [oldSize + 1, newSize, proof, r1, r2],
      [oldSize ^ 2, newSize, proof, r1, r2],
      [oldSize, newSize * 2, proof, r1, r2],
      [oldSize, newSize / 2, proof, r1, r2],
      [oldSize, newSize, proof, Buffer.from('WrongRoot'), r2],
      [oldSize, newSize, proof, r1, Buffer.from('WrongRoot')],
      [oldSize, newSize, proof, r2, r1],
      [oldSize, newSize, [], r1, r2],
      [oldSize, newSize, [...proof, Buffer.alloc(0)], r1, r2],
      [oldSize, newSize, [...proof, r1], r1, r2],
      [oldSize, newSize, [...proof, r2], r1, r2],
      [oldSize, newSize, [r1, ...proof], r1, r2],
      [oldSize, newSize, [r2, ...proof], r1, r2],
      [oldSize, newSize, [proof[0] as Buffer, ...proof], r1, r2],
      [oldSize, newSize, proof.slice(0, -1), r1, r2],
      ...proof.map((_, i): [number, number, Buffer[], Buffer, Buffer] => {
        const flipped = proof.map((hash) => Buffer.from(hash));
        (flipped[i] as Buffer)[0]! ^= 16;
        return [oldSize, newSize, flipped, r1, r2];
      }),
    ];
    for (const [m, n, p, a, b] of probes) expect(verifyConsistency(m, n, p, a, b)).toBe(false);
  });

  it('treats the trivial consistency cases as the CT suite does', () => {
    const a = Buffer.alloc(32, 1);
    const b = Buffer.alloc(32, 2);
    expect(verifyConsistency(0, 0, [], a, a)).toBe(true);
    expect(verifyConsistency(0, 1, [], a, b)).toBe(true);
    expect(verifyConsistency(1, 1, [], b, b)).toBe(true);
    expect(verifyConsistency(1, 1, [], a, b)).toBe(false);
    expect(verifyConsistency(1, 0, [], a, b)).toBe(false);
    expect(verifyConsistency(2, 1, [], a, b)).toBe(false);
    expect(verifyConsistency(1, 2, [], a, b)).toBe(false);
    expect(verifyConsistency(0, 1, [EMPTY_TREE_HASH], EMPTY_TREE_HASH, EMPTY_TREE_HASH)).toBe(false);
  });

  it('verifies every generated inclusion and consistency proof in random trees, and no proof for another leaf', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), fc.nat(), (size, a, b) => {
        const tree = new MemoryTree();
        for (let i = 0; i < size; i += 1) tree.append(Buffer.from(`leaf ${i}`));
        const index = a % size;
        const root = tree.root();
        const proof = inclusionProof(tree.read, index, size);
        expect(verifyInclusion(leafHash(Buffer.from(`leaf ${index}`)), index, size, proof, root)).toBe(true);
        expect(verifyInclusion(leafHash(Buffer.from(`leaf ${index}!`)), index, size, proof, root)).toBe(false);
        const oldSize = b % (size + 1);
        const consistency = consistencyProof(tree.read, oldSize, size);
        expect(verifyConsistency(oldSize, size, consistency, tree.root(oldSize), root)).toBe(true);
        if (oldSize > 0 && oldSize < size) expect(verifyConsistency(oldSize, size, consistency, tree.root(oldSize), tree.root(size - 1))).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('recognises powers of two exactly, also past 2^32 where float log2 rounds', () => {
    expect([1, 2, 4, 2 ** 40].every(isPowerOfTwo)).toBe(true);
    expect([0, 3, 6, 2 ** 40 + 1, 2 ** 50 + 2].some(isPowerOfTwo)).toBe(false);
  });
});
