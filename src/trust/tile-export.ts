import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LogStore } from './log-store.js';
import { tilePath, tilesToPublish, TILE_WIDTH } from './tiles.js';

/**
 * Writes the log as static files in the C2SP tlog-tiles layout under `dir` (`checkpoint`,
 * `tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>[.p/<W>]`), for any web server or CDN to serve. Only the
 * tiles that changed since `fromSize` are written; full tiles that exist are never rewritten. Each
 * file appears whole (written aside, then renamed), and the checkpoint last, so a reader never sees
 * a checkpoint whose tiles are missing.
 */
export function exportTiles(store: LogStore, dir: string, checkpoint: { size: number; note: string }, fromSize = 0): number {
  let written = 0;
  for (const tile of tilesToPublish(fromSize, checkpoint.size)) {
    const file = path.join(dir, ...tilePath(tile).split('/'));
    if (tile.width === TILE_WIDTH && existsSync(file)) continue;
    const data = store.tile(tile, checkpoint.size);
    if (!data) throw new RangeError(`tile ${tilePath(tile)} is beyond the log`);
    writeAtomically(file, data);
    written += 1;
  }
  writeAtomically(path.join(dir, 'checkpoint'), Buffer.from(checkpoint.note, 'utf8'));
  return written;
}

function writeAtomically(file: string, data: Buffer): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, data);
  renameSync(temp, file);
}
