import { HASH_BYTES } from './merkle.js';

/**
 * C2SP tlog-tiles (https://c2sp.org/tlog-tiles): the tree as static files. A tile at level L holds up
 * to 256 consecutive stored hashes of level 8·L (each the root of a complete subtree of 256^L leaves);
 * `tile/entries/N` holds the leaves themselves, each prefixed with its length as a big-endian uint16.
 * Full tiles never change; a partial tile of width W is a prefix of the full tile to come, so it never
 * changes either. Go's tlog uses the same content with height 8 at `tile/8/L/N`.
 */
export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 256;
/** Entry bundles prefix each entry with a uint16 length: no leaf may be larger. */
export const MAX_ENTRY_BYTES = 0xffff;
const MAX_LEVEL = 63;

export type TileCoordinate = { kind: 'hashes'; level: number; index: number; width: number } | { kind: 'entries'; index: number; width: number };

/** Returns `count` stored hashes of one level starting at `from` (all must exist). */
export type HashRangeReader = (level: number, from: number, count: number) => Buffer[];

/** 1234067 → `x001/x234/067`: three digits per path element so no directory grows past 1000 entries. */
export function encodeTileIndex(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`invalid tile index ${index}`);
  let rest = Math.floor(index / 1000);
  let path = String(index % 1000).padStart(3, '0');
  while (rest > 0) {
    path = `x${String(rest % 1000).padStart(3, '0')}/${path}`;
    rest = Math.floor(rest / 1000);
  }
  return path;
}

export function tilePath(tile: TileCoordinate): string {
  if (tile.width < 1 || tile.width > TILE_WIDTH) throw new RangeError(`invalid tile width ${tile.width}`);
  const suffix = tile.width === TILE_WIDTH ? '' : `.p/${tile.width}`;
  const level = tile.kind === 'entries' ? 'entries' : String(tile.level);
  return `tile/${level}/${encodeTileIndex(tile.index)}${suffix}`;
}

/** Parses a tile path (without the log's URL prefix); null for anything that is not a canonical tile path. */
export function parseTilePath(path: string): TileCoordinate | null {
  const match = /^tile\/(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*[0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/.exec(path);
  if (!match) return null;
  const [, levelText, indexText, widthText] = match as unknown as [string, string, string, string | undefined];
  const width = widthText === undefined ? TILE_WIDTH : Number(widthText);
  if (widthText !== undefined && width >= TILE_WIDTH) return null;
  const index = indexText.split('/').reduce((sum, part) => sum * 1000 + Number(part.replace('x', '')), 0);
  if (!Number.isSafeInteger(index)) return null;
  const tile: TileCoordinate =
    levelText === 'entries' ? { kind: 'entries', index, width } : { kind: 'hashes', level: Number(levelText), index, width };
  if (tile.kind === 'hashes' && tile.level > MAX_LEVEL) return null;
  // Only the canonical spelling (no `x000/` padding) names a tile.
  return tilePath(tile) === path ? tile : null;
}

/** How many entries of the tile (level, index) a tree of `treeSize` leaves has: 0 to 256. */
export function availableWidth(level: number, index: number, treeSize: number): number {
  const hashesAtLevel = Math.floor(treeSize / TILE_WIDTH ** level);
  return Math.max(0, Math.min(TILE_WIDTH, hashesAtLevel - index * TILE_WIDTH));
}

/** True when the tree of `treeSize` leaves holds the whole of `tile` (a tile never exceeds the tree). */
export function tileExists(tile: TileCoordinate, treeSize: number): boolean {
  return tile.width <= availableWidth(tile.kind === 'entries' ? 0 : tile.level, tile.index, treeSize);
}

/** The tile's bytes: `width` hashes of 32 bytes. */
export function readHashTile(read: HashRangeReader, level: number, index: number, width: number): Buffer {
  const hashes = read(level * TILE_HEIGHT, index * TILE_WIDTH, width);
  if (hashes.length !== width || hashes.some((hash) => hash.length !== HASH_BYTES))
    throw new RangeError(`tile ${level}/${index} is not fully stored`);
  return Buffer.concat(hashes);
}

export function encodeEntryBundle(entries: readonly Uint8Array[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    if (entry.length > MAX_ENTRY_BYTES) throw new RangeError(`a log entry is at most ${MAX_ENTRY_BYTES} bytes, got ${entry.length}`);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(entry.length);
    parts.push(length, Buffer.from(entry));
  }
  return Buffer.concat(parts);
}

export function decodeEntryBundle(bundle: Uint8Array): Buffer[] {
  const bytes = Buffer.from(bundle.buffer, bundle.byteOffset, bundle.byteLength);
  const entries: Buffer[] = [];
  for (let offset = 0; offset < bytes.length;) {
    if (offset + 2 > bytes.length) throw new RangeError('truncated entry bundle');
    const length = bytes.readUInt16BE(offset);
    if (offset + 2 + length > bytes.length) throw new RangeError('truncated entry bundle');
    entries.push(bytes.subarray(offset + 2, offset + 2 + length));
    offset += 2 + length;
    if (entries.length > TILE_WIDTH) throw new RangeError('an entry bundle holds at most 256 entries');
  }
  return entries;
}

/**
 * The tiles to publish when the tree grows from `oldSize` to `newSize` leaves: every tile completed
 * or extended on the way, each at its width for `newSize` (the C2SP analogue of Go's tlog.NewTiles).
 */
export function tilesToPublish(oldSize: number, newSize: number): TileCoordinate[] {
  const tiles: TileCoordinate[] = [];
  for (let level = 0; Math.floor(newSize / TILE_WIDTH ** level) > 0; level += 1) {
    const oldCount = Math.floor(oldSize / TILE_WIDTH ** level);
    const newCount = Math.floor(newSize / TILE_WIDTH ** level);
    const first = Math.floor(oldCount / TILE_WIDTH);
    const last = Math.ceil(newCount / TILE_WIDTH);
    for (let index = first; index < last; index += 1) {
      const width = availableWidth(level, index, newSize);
      if (width === availableWidth(level, index, oldSize)) continue;
      tiles.push({ kind: 'hashes', level, index, width });
      if (level === 0) tiles.push({ kind: 'entries', index, width });
    }
  }
  return tiles;
}
