import path from 'node:path';
import { Hono } from 'hono';
import type { Context } from 'hono';
import type { Logger } from '../../log.js';
import { isValidPackageName } from '../../srcinfo/names.js';
import { unavailableMessage, type ServedLookup } from '../catalog.js';
import { feedRequest, isProtocolV2, startUploadPack } from './upload-pack.js';

export interface GitRouteDeps {
  lookup: ServedLookup;
  servedRoot: string;
  timeoutMs: number;
  logger: Logger;
  /** Counts requests in flight so a graceful shutdown can wait for running clones. */
  inFlight?: { enter(): void; leave(): void };
  onServed?: (pkgbase: string, kind: 'advertise' | 'upload-pack') => void;
}

const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
const NO_CACHE = { 'Cache-Control': 'no-cache, max-age=0, must-revalidate', Pragma: 'no-cache', Expires: 'Fri, 01 Jan 1980 00:00:00 GMT' };

/** `/<name>.git` and `/<name>` both name a package: yay and pikaur use the first, paru and aurutils the second. */
function packageName(segment: string): string | null {
  const name = segment.endsWith('.git') ? segment.slice(0, -4) : segment;
  return isValidPackageName(name) ? name : null;
}

function plain(c: Context, status: 400 | 403 | 404, message: string): Response {
  return c.body(`${message}\n`, status, { 'Content-Type': 'text/plain; charset=utf-8', ...NO_CACHE });
}

/**
 * Git smart HTTP, upload-pack only, over approved served repos. A name is validated and resolved
 * before any git process starts; unknown, unlisted or unreviewed packages get a 404 whose text git
 * shows the user.
 */
export function gitRoutes(deps: GitRouteDeps): Hono {
  const app = new Hono();

  const resolve = (c: Context): { pkgbase: string; repo: string } | Response => {
    const name = packageName(c.req.param('repo') ?? '');
    if (!name) return plain(c, 400, 'aurgate: invalid package name');
    const availability = deps.lookup.availability(name);
    if (availability.kind !== 'served') return plain(c, 404, unavailableMessage(name, availability));
    return { pkgbase: availability.pkgbase, repo: path.join(deps.servedRoot, `${availability.pkgbase}.git`) };
  };

  // A protocol v2 advertisement lists capabilities only, no refs: it is the same for every served repo
  // (they share one configuration), so it is produced once per Git-Protocol value and then kept.
  const v2Advertisements = new Map<string, Uint8Array>();
  const type = (advertise: boolean) => (advertise ? 'application/x-git-upload-pack-advertisement' : 'application/x-git-upload-pack-result');

  const run = async (c: Context, advertise: boolean): Promise<Response> => {
    const target = resolve(c);
    if (target instanceof Response) return target;
    const protocol = c.req.header('Git-Protocol');
    const v2Advertisement = advertise && isProtocolV2(protocol) ? (protocol ?? '') : undefined;
    const cached = v2Advertisement === undefined ? undefined : v2Advertisements.get(v2Advertisement);
    if (cached) {
      deps.onServed?.(target.pkgbase, 'advertise');
      return new Response(cached, { status: 200, headers: { 'Content-Type': type(true), ...NO_CACHE } });
    }
    deps.inFlight?.enter();
    const upload = startUploadPack({ repo: target.repo, advertise, protocol, timeoutMs: deps.timeoutMs, signal: c.req.raw.signal });
    void upload.done.then(() => deps.inFlight?.leave());
    upload.child.on('error', (error) => deps.logger.error({ pkgbase: target.pkgbase, err: error.message }, 'git upload-pack failed to start'));
    if (!advertise) void feedRequest(upload.child, c.req.raw.body, c.req.header('Content-Encoding') === 'gzip', MAX_REQUEST_BYTES);
    else upload.child.stdin?.end();
    deps.onServed?.(target.pkgbase, advertise ? 'advertise' : 'upload-pack');
    if (v2Advertisement !== undefined) {
      const bytes = new Uint8Array(await new Response(upload.stdout).arrayBuffer());
      await upload.done;
      if (upload.child.exitCode === 0 && bytes.length > 0) v2Advertisements.set(v2Advertisement, bytes);
      return new Response(bytes, { status: 200, headers: { 'Content-Type': type(true), ...NO_CACHE } });
    }
    const body = advertise ? withServiceHeader(upload.stdout) : upload.stdout;
    return new Response(body, { status: 200, headers: { 'Content-Type': type(advertise), ...NO_CACHE } });
  };

  app.get('/:repo/info/refs', async (c) => {
    const service = c.req.query('service');
    if (service === 'git-upload-pack') return run(c, true);
    if (service === 'git-receive-pack') return plain(c, 403, 'aurgate: pushing is not possible here; this server only serves approved packages');
    return plain(c, 403, 'aurgate: only git smart HTTP is served (the dumb protocol is not)');
  });
  app.post('/:repo/git-upload-pack', async (c) => {
    if (c.req.header('Content-Type') !== 'application/x-git-upload-pack-request') return plain(c, 400, 'aurgate: expected a git upload-pack request');
    return run(c, false);
  });
  app.post('/:repo/git-receive-pack', (c) => plain(c, 403, 'aurgate: pushing is not possible here; this server only serves approved packages'));
  // The dumb protocol would read repository files directly; it is never served.
  app.get('/:repo/HEAD', (c) => plain(c, 403, 'aurgate: only git smart HTTP is served (the dumb protocol is not)'));
  app.get('/:repo/objects/*', (c) => plain(c, 403, 'aurgate: only git smart HTTP is served (the dumb protocol is not)'));
  return app;
}

/** The v0 advertisement over HTTP starts with the service announcement that http-backend writes. */
function withServiceHeader(advertisement: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const header = new TextEncoder().encode('001e# service=git-upload-pack\n0000');
  const reader = advertisement.getReader();
  let sentHeader = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sentHeader) {
        sentHeader = true;
        controller.enqueue(header);
        return;
      }
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
