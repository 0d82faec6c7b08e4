import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { Hono, type Context } from 'hono';
import { errorReplyFor } from '../error-mapping.js';
import type { Logger } from '../log.js';
import { TamperedError } from '../trust/errors.js';
import { servedBlob, sourceManifest, srcdestScript, type SourceServingDeps } from '../app/source-serving.js';

/** A blob's URL names its bytes: it never changes, so any HTTP cache or CDN may keep it for good. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** A manifest gains rows as fetches finish and loses its revision on revocation: always revalidate. */
const REVALIDATE = 'no-cache';

/**
 * The source cache for builds: `/sources/<sha256>/<filename>` (the bytes), and per approved revision
 * `/sources/<pkgbase>/<commit>/manifest.json` and `/sources/<pkgbase>/<commit>/srcdest.sh`. Only the
 * exact shapes are routes, so `/sources/info/refs` stays a git request for a package named "sources".
 * Reads the store only, never upstream.
 */
export function sourceRoutes(deps: SourceServingDeps & { logger: Logger }): Hono {
  const app = new Hono();
  app.on(['GET', 'HEAD'], '/sources/:sha256{[0-9a-f]{64}}/:filename', async (c) => {
    const sha256 = c.req.param('sha256');
    const filename = c.req.param('filename');
    try {
      const blob = await servedBlob(deps, sha256, filename);
      const headers = {
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(blob.size),
        'Content-Disposition': `attachment; filename="${filename.replace(/["\\]/g, '_')}"`,
        ETag: `"${sha256}"`,
        'X-Checksum-Sha256': sha256,
        'Cache-Control': IMMUTABLE,
      };
      if (c.req.header('If-None-Match') === `"${sha256}"`) return c.body(null, 304, headers);
      if (c.req.method === 'HEAD') return c.body(null, 200, headers);
      return new Response(Readable.toWeb(createReadStream(blob.path)) as ReadableStream<Uint8Array>, { status: 200, headers });
    } catch (error) {
      if (error instanceof TamperedError) {
        deps.logger.error({ sha256, filename, err: error.message }, 'source blob failed its digest check: refused');
        return plain(c, 500, `aurgate: source ${sha256} failed its digest check on this server and is refused`);
      }
      return failure(c, error);
    }
  });
  app.get('/sources/:pkgbase/:commit{[0-9a-f]{40}}/manifest.json', (c) => {
    try {
      return c.json(sourceManifest(deps, c.req.param('pkgbase'), c.req.param('commit')), 200, { 'Cache-Control': REVALIDATE });
    } catch (error) {
      return failure(c, error);
    }
  });
  app.get('/sources/:pkgbase/:commit{[0-9a-f]{40}}/srcdest.sh', (c) => {
    try {
      const script = srcdestScript(deps, c.req.param('pkgbase'), c.req.param('commit'));
      return c.body(script, 200, { 'Content-Type': 'text/x-shellscript; charset=utf-8', 'Cache-Control': REVALIDATE });
    } catch (error) {
      return failure(c, error);
    }
  });
  return app;
}

function plain(c: Context, status: 404 | 500, message: string): Response {
  return c.body(`${message}\n`, status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': REVALIDATE });
}

function failure(c: Context, error: unknown): Response {
  const reply = errorReplyFor(error);
  // Internal errors go on to the app's handler, which logs them.
  if (reply.internal) throw error;
  return c.body(`aurgate: ${reply.message}\n`, reply.status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': REVALIDATE });
}
