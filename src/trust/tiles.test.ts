import { describe, expect, it } from 'vitest';
import { MemoryTree, subtreeHash } from './merkle.js';
import {
  availableWidth,
  decodeEntryBundle,
  encodeEntryBundle,
  encodeTileIndex,
  parseTilePath,
  readHashTile,
  tilePath,
  tilesToPublish,
  type HashRangeReader,
  type TileCoordinate,
} from './tiles.js';

describe('C2SP tlog-tiles', () => {
  it('encodes tile indexes three digits per path element, as the spec’s example', () => {
    expect(encodeTileIndex(1234067)).toBe('x001/x234/067');
    expect(encodeTileIndex(0)).toBe('000');
    expect(encodeTileIndex(999)).toBe('999');
    expect(encodeTileIndex(1000)).toBe('x001/000');
    expect(encodeTileIndex(123456078)).toBe('x123/x456/078');
  });

  it('writes and reads tile paths, full and partial, for hashes and entries', () => {
    const cases: Array<[TileCoordinate, string]> = [
      [{ kind: 'hashes', level: 0, index: 1, width: 256 }, 'tile/0/001'],
      [{ kind: 'hashes', level: 0, index: 1, width: 5 }, 'tile/0/001.p/5'],
      [{ kind: 'hashes', level: 5, index: 123456078, width: 2 }, 'tile/5/x123/x456/078.p/2'],
      [{ kind: 'entries', index: 3057500, width: 256 }, 'tile/entries/x003/x057/500'],
      [{ kind: 'entries', index: 0, width: 112 }, 'tile/entries/000.p/112'],
    ];
    for (const [tile, path] of cases) {
      expect(tilePath(tile)).toBe(path);
      expect(parseTilePath(path)).toEqual(tile);
    }
  });

  it.each([
    'tile/0/1',
    'tile/0/x000/001',
    'tile/0/001.p/256',
    'tile/0/001.p/0',
    'tile/0/001.p/05',
    'tile/64/000',
    'tile/01/000',
    'tile/-1/000',
    'tile/data/000',
    'tile/0/123/456',
    'tile/0/000/',
    '/tile/0/000',
    'tile/0/../000',
  ])('refuses the non-canonical or invalid tile path %s', (path) => {
    expect(parseTilePath(path)).toBeNull();
  });

  it('lists the tiles of the spec’s 70,000-entry example', () => {
    const tiles = tilesToPublish(0, 70_000);
    const hashes = tiles.filter((tile) => tile.kind === 'hashes');
    const summary = (level: number) => hashes.filter((tile) => tile.level === level).map((tile) => tile.width);
    expect(summary(0).filter((width) => width === 256)).toHaveLength(273);
    expect(summary(0).filter((width) => width !== 256)).toEqual([112]);
    expect(summary(1)).toEqual([256, 17]);
    expect(summary(2)).toEqual([1]);
    expect(tiles.filter((tile) => tile.kind === 'entries')).toHaveLength(274);
  });

  it('represents a 256-entry tree by one full level-0 tile and a level-1 tile of width 1', () => {
    expect(tilesToPublish(0, 256).filter((tile) => tile.kind === 'hashes')).toEqual([
      { kind: 'hashes', level: 0, index: 0, width: 256 },
      { kind: 'hashes', level: 1, index: 0, width: 1 },
    ]);
  });

  it('publishes on growth only the tiles that changed', () => {
    expect(tilesToPublish(300, 300)).toEqual([]);
    expect(tilesToPublish(300, 301)).toEqual([
      { kind: 'hashes', level: 0, index: 1, width: 45 },
      { kind: 'entries', index: 1, width: 45 },
    ]);
    expect(tilesToPublish(500, 513).map(tilePath)).toEqual([
      'tile/0/001',
      'tile/entries/001',
      'tile/0/002.p/1',
      'tile/entries/002.p/1',
      'tile/1/000.p/2',
    ]);
  });

  it('fills a level-1 tile with the roots of full level-0 tiles', () => {
    const tree = new MemoryTree();
    for (let i = 0; i < 600; i += 1) tree.append(Buffer.from(`entry ${i}`));
    const range: HashRangeReader = (level, from, count) => Array.from({ length: count }, (_, i) => tree.read(level, from + i));
    const level1 = readHashTile(range, 1, 0, availableWidth(1, 0, tree.size));
    expect(level1).toHaveLength(2 * 32);
    expect(level1.subarray(32)).toEqual(subtreeHash(tree.read, 256, 512));
    const partial = readHashTile(range, 0, 2, availableWidth(0, 2, tree.size));
    expect(partial).toHaveLength(88 * 32);
    expect(partial.subarray(0, 32)).toEqual(tree.read(0, 512));
  });

  it('length-prefixes entries with a big-endian uint16 and reads them back, refusing truncation and oversize', () => {
    const bundle = encodeEntryBundle([Buffer.from('ab'), Buffer.alloc(0), Buffer.alloc(300, 7)]);
    expect(bundle.subarray(0, 4)).toEqual(Buffer.from([0, 2, 0x61, 0x62]));
    expect(bundle.subarray(4, 8)).toEqual(Buffer.from([0, 0, 1, 44]));
    expect(decodeEntryBundle(bundle).map((entry) => entry.length)).toEqual([2, 0, 300]);
    expect(() => decodeEntryBundle(bundle.subarray(0, bundle.length - 1))).toThrow(/truncated/);
    expect(() => encodeEntryBundle([Buffer.alloc(65536)])).toThrow(/at most 65535 bytes/);
  });
});
