import path from 'node:path';
import { Hono } from 'hono';
import type { Context } from 'hono';
import type { Logger } from '../../log.js';
import { isValidPackageName } from '../../srcinfo/names.js';
import { unavailableMessage, type ServedLookup } from '../catalog.js';
import { readRef } from '../../git/refs.js';
import { AnswerCache } from './answer-cache.js';
import { isProtocolV2, readRequest, startUploadPack, v2Command } from './upload-pack.js';

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

  // Answers that depend only on the request and the served refs: the protocol v2 capability
  // advertisement (the same for every served repo: they share one configuration) and v2 ls-refs.
  const answers = new AnswerCache();
  const type = (advertise: boolean) => (advertise ? 'application/x-git-upload-pack-advertisement' : 'application/x-git-upload-pack-result');
  const reply = (body: ConstructorParameters<typeof Response>[0], advertise: boolean) =>
    new Response(body, { status: 200, headers: { 'Content-Type': type(advertise), ...NO_CACHE } });

  const spawn = (c: Context, target: { pkgbase: string; repo: string }, advertise: boolean, protocol: string | undefined) => {
    deps.inFlight?.enter();
    const upload = startUploadPack({ repo: target.repo, advertise, protocol, timeoutMs: deps.timeoutMs, signal: c.req.raw.signal });
    void upload.done.then(() => deps.inFlight?.leave());
    upload.child.on('error', (error) => deps.logger.error({ pkgbase: target.pkgbase, err: error.message }, 'git upload-pack failed to start'));
    return upload;
  };

  /** Runs upload-pack on a complete request and keeps its answer under key when it succeeded. */
  const answerOnce = async (upload: ReturnType<typeof spawn>, request: Buffer | null, key: string): Promise<Uint8Array> => {
    upload.child.stdin?.end(request ?? undefined);
    const bytes = new Uint8Array(await new Response(upload.stdout).arrayBuffer());
    await upload.done;
    if (upload.child.exitCode === 0 && bytes.length > 0) answers.set(key, bytes);
    return bytes;
  };

  const advertise = async (c: Context): Promise<Response> => {
    const target = resolve(c);
    if (target instanceof Response) return target;
    const protocol = c.req.header('Git-Protocol');
    deps.onServed?.(target.pkgbase, 'advertise');
    if (!isProtocolV2(protocol)) {
      const upload = spawn(c, target, true, protocol);
      upload.child.stdin?.end();
      return reply(withServiceHeader(upload.stdout), true);
    }
    const key = `advertise\0${protocol}`;
    return reply(answers.get(key) ?? (await answerOnce(spawn(c, target, true, protocol), null, key)), true);
  };

  const uploadPack = async (c: Context): Promise<Response> => {
    const target = resolve(c);
    if (target instanceof Response) return target;
    const protocol = c.req.header('Git-Protocol');
    const gzip = c.req.header('Content-Encoding') === 'gzip';
    deps.onServed?.(target.pkgbase, 'upload-pack');
    const request = await readRequest(c.req.raw.body, gzip, MAX_REQUEST_BYTES);
    if (request === null) return plain(c, 400, 'aurgate: unreadable or oversized git request');
    if (isProtocolV2(protocol) && v2Command(request) === 'ls-refs') {
      // The served master is part of the key: an approval or revocation moves it, and a new key follows.
      const key = `ls-refs\0${target.repo}\0${(await readRef(target.repo, 'refs/heads/master')) ?? ''}\0${protocol}\0${request.toString('latin1')}`;
      return reply(answers.get(key) ?? (await answerOnce(spawn(c, target, false, protocol), request, key)), false);
    }
    const upload = spawn(c, target, false, protocol);
    upload.child.stdin?.end(request);
    return reply(upload.stdout, false);
  };

  app.get('/:repo/info/refs', async (c) => {
    const service = c.req.query('service');
    if (service === 'git-upload-pack') return advertise(c);
    if (service === 'git-receive-pack') return plain(c, 403, 'aurgate: pushing is not possible here; this server only serves approved packages');
    return plain(c, 403, 'aurgate: only git smart HTTP is served (the dumb protocol is not)');
  });
  app.post('/:repo/git-upload-pack', async (c) => {
    if (c.req.header('Content-Type') !== 'application/x-git-upload-pack-request') return plain(c, 400, 'aurgate: expected a git upload-pack request');
    return uploadPack(c);
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
