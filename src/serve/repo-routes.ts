import { Readable } from 'node:stream';
import { Hono, type Context } from 'hono';
import { openServedFile, openServedKey, type ServedFile } from '../repo/served-file.js';

/** Databases and their signatures change with every update, and a package may be rebuilt: always revalidate. */
const REVALIDATE = 'no-cache';

/**
 * The signed pacman repository: `/repo/<name>/os/<arch>/<file>` (packages, their `.sig` files, the
 * databases) for pacman.conf's `Server = <url>/repo/<name>/os/$arch`, and `/repo/<name>/key.asc`
 * for `pacman-key --add`. Only regular files inside the repository's directory are served, streamed
 * from one opened descriptor; anything else is a 404.
 */
export function repoRoutes(options: { root: string }): Hono {
  const app = new Hono();
  app.on(['GET', 'HEAD'], '/repo/:name/os/:arch/:file', async (c) => {
    const served = await openServedFile(options.root, c.req.param('name'), c.req.param('arch'), c.req.param('file'));
    return served ? send(c, served, 'application/octet-stream') : notFound(c, 'no such file in the package repository');
  });
  app.on(['GET', 'HEAD'], '/repo/:name/key.asc', async (c) => {
    const served = await openServedKey(options.root, c.req.param('name'));
    return served ? send(c, served, 'application/pgp-keys') : notFound(c, 'no such package repository');
  });
  return app;
}

async function send(c: Context, served: ServedFile, contentType: string): Promise<Response> {
  const headers = { 'Content-Type': contentType, 'Content-Length': String(served.size), ETag: served.etag, 'Cache-Control': REVALIDATE };
  if (c.req.method === 'HEAD' || c.req.header('If-None-Match') === served.etag) {
    await served.handle.close();
    return c.body(null, c.req.method === 'HEAD' ? 200 : 304, headers);
  }
  // The stream closes the descriptor at its end, and when the client goes away (the body is cancelled).
  const body = Readable.toWeb(served.handle.createReadStream()) as ReadableStream<Uint8Array>;
  return new Response(body, { status: 200, headers });
}

function notFound(c: Context, message: string): Response {
  return c.body(`aurgate: ${message}\n`, 404, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': REVALIDATE });
}
