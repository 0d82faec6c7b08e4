import { Hono, type Context } from 'hono';
import { errorReplyFor } from '../error-mapping.js';
import { InvalidInput, NotFound } from '../errors.js';
import { isValidPackageName } from '../srcinfo/names.js';
import type { PublishedLog } from '../trust/published-log.js';
import { parseTilePath } from '../trust/tiles.js';

/** Tiles never change once served (a partial tile is a prefix of the full one): cache them for good. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The checkpoint, the keys and a revision's attestations grow: always revalidate. */
const REVALIDATE = 'no-cache';
const INTEGER = /^(0|[1-9][0-9]{0,15})$/;

/**
 * The public face of the approval log: the pinned keys at a well-known URL, the signed checkpoint,
 * C2SP tiles under `/log/tile/`, inclusion and consistency proofs, and each revision's attestations.
 * Every parameter is parsed strictly; sizes are checked against the tree before any hash is read.
 */
export function trustRoutes(log: PublishedLog): Hono {
  const app = new Hono();
  app.get('/.well-known/aurgate/keys', (c) => text(c, log.pinnedKeys(), REVALIDATE));
  app.get('/log/checkpoint', (c) => text(c, log.checkpoint(), REVALIDATE));
  app.get('/log/tile/*', (c) => {
    const tile = parseTilePath(c.req.path.slice('/log/'.length));
    const bytes = tile ? log.tile(tile) : null;
    if (!bytes) return c.text('no such tile\n', 404, { 'Cache-Control': REVALIDATE });
    return c.body(new Uint8Array(bytes), 200, { 'Content-Type': 'application/octet-stream', 'Cache-Control': IMMUTABLE });
  });
  app.get('/log/proof/inclusion', (c) =>
    answer(c, () => {
      const size = integer(c.req.query('size') ?? String(log.size()), 'size');
      const index = integer(c.req.query('index'), 'index');
      if (index >= size) throw new InvalidInput(`index ${index} is not below size ${size}`);
      within(size, log.size());
      return { index, size, proof: log.inclusionProof(index, size).map((hash) => hash.toString('base64')) };
    }),
  );
  app.get('/log/proof/consistency', (c) =>
    answer(c, () => {
      const to = integer(c.req.query('to') ?? String(log.size()), 'to');
      const from = integer(c.req.query('from'), 'from');
      if (from > to) throw new InvalidInput(`from ${from} is beyond to ${to}`);
      within(to, log.size());
      return { from, to, proof: log.consistencyProof(from, to).map((hash) => hash.toString('base64')) };
    }),
  );
  // Only this exact shape: `/attestations/info/refs` stays a git request for a package named "attestations".
  app.get('/attestations/:pkgbase/:file{[0-9a-f]{40}\\.intoto\\.jsonl}', (c) => {
    const pkgbase = c.req.param('pkgbase');
    const commit = c.req.param('file').slice(0, 40);
    const jsonl = isValidPackageName(pkgbase) ? log.attestations(pkgbase, commit) : '';
    if (!jsonl) return c.text('no attestation for this revision\n', 404, { 'Cache-Control': REVALIDATE });
    return c.body(jsonl, 200, { 'Content-Type': 'application/jsonl; charset=utf-8', 'Cache-Control': REVALIDATE });
  });
  return app;
}

function text(c: Context, body: string, cacheControl: string): Response {
  return c.body(body, 200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': cacheControl });
}

function integer(value: string | undefined, name: string): number {
  if (value === undefined || !INTEGER.test(value) || !Number.isSafeInteger(Number(value)))
    throw new InvalidInput(`${name} must be a whole number, got ${JSON.stringify((value ?? '').slice(0, 20))}`);
  return Number(value);
}

function within(size: number, current: number): void {
  if (size > current) throw new NotFound(`the log holds ${current} entries, not ${size}`);
}

function answer(c: Context, build: () => object): Response {
  try {
    return c.json(build(), 200, { 'Cache-Control': REVALIDATE });
  } catch (error) {
    const reply = errorReplyFor(error);
    // Internal errors (a damaged log) go on to the app's handler, which logs them.
    if (reply.internal) throw error;
    return c.json({ error: reply.message }, reply.status);
  }
}
