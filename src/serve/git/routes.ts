import { packageRepoPath } from '../../git/repo-paths.js';
import { Readable } from 'node:stream';
import type { HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import type { Context } from 'hono';
import type { Logger } from '../../log.js';
import { isValidPackageName } from '../../srcinfo/names.js';
import { unavailableMessage, type ServedLookup } from '../../store/served-catalog.js';
import { readRef } from '../../git/refs.js';
import { createAnswerCache, MAX_CACHED_ANSWER_BYTES } from './answer-cache.js';
import { MAX_CACHEABLE_LS_REFS_BYTES, parseLsRefs } from './ls-refs.js';
import { bodyRefusal, decodedBody, readPrefix } from './request-body.js';
import { isProtocolV2, runUploadPack, type UploadPackOptions, type UploadPackRun } from './upload-pack.js';

export interface GitRouteDeps {
  lookup: ServedLookup;
  servedRoot: string;
  timeoutMs: number;
  logger: Logger;
  /** Counts requests in flight so a graceful shutdown can wait for running clones. */
  inFlight?: { enter(): void; leave(): void };
  onServed?: (pkgbase: string, kind: 'advertise' | 'upload-pack') => void;
}

/** The largest request accepted, counted as received and again as decoded, while it streams into git. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
/** The v0 advertisement over HTTP starts with the service announcement that http-backend writes. */
const SERVICE_LINE = new TextEncoder().encode('001e# service=git-upload-pack\n0000');
const NO_CACHE = { 'Cache-Control': 'no-cache, max-age=0, must-revalidate', Pragma: 'no-cache', Expires: 'Fri, 01 Jan 1980 00:00:00 GMT' };

/** `/<name>.git` and `/<name>` both name a package: yay and pikaur use the first, paru and aurutils the second. */
function packageName(segment: string): string | null {
  const name = segment.endsWith('.git') ? segment.slice(0, -4) : segment;
  return isValidPackageName(name) ? name : null;
}

interface Target {
  pkgbase: string;
  repo: string;
}

function plain(c: Context, status: 400 | 403 | 404 | 413 | 500, message: string): Response {
  return c.body(`${message}\n`, status, { 'Content-Type': 'text/plain; charset=utf-8', ...NO_CACHE });
}

/**
 * Git smart HTTP, upload-pack only, over approved served repos. A name is validated and resolved
 * before any git process starts; unknown, unlisted or unreviewed packages get a 404 whose text git
 * shows the user.
 */
export function gitRoutes(deps: GitRouteDeps): Hono {
  const app = new Hono();

  const resolve = (c: Context): Target | Response => {
    const name = packageName(c.req.param('repo') ?? '');
    if (!name) return plain(c, 400, 'aurgate: invalid package name');
    const availability = deps.lookup.availability(name);
    if (availability.kind !== 'served') return plain(c, 404, unavailableMessage(name, availability));
    return { pkgbase: availability.pkgbase, repo: packageRepoPath(deps.servedRoot, availability.pkgbase) };
  };

  // Answers that depend only on the request and the served refs: the protocol v2 capability
  // advertisement (the same for every served repo: they share one configuration) and v2 ls-refs.
  const answers = createAnswerCache();
  const type = (advertise: boolean) => (advertise ? 'application/x-git-upload-pack-advertisement' : 'application/x-git-upload-pack-result');
  const reply = (body: Uint8Array | Readable, advertise: boolean) =>
    new Response(body instanceof Uint8Array ? body : (Readable.toWeb(body) as ReadableStream<Uint8Array>), {
      status: 200,
      headers: { 'Content-Type': type(advertise), ...NO_CACHE },
    });

  /** Runs upload-pack; the in-flight count drops once git has exited and its answer is sent or abandoned. */
  const run = (c: Context, target: Target, options: Pick<UploadPackOptions, 'advertise' | 'protocol' | 'input' | 'preamble' | 'onOutput'>) => {
    deps.inFlight?.enter();
    const upload = runUploadPack({
      ...options,
      repo: target.repo,
      timeoutMs: deps.timeoutMs,
      signal: c.req.raw.signal,
      closeConnection: connectionCloser(c),
    });
    void upload.finished.then(
      (result) => {
        deps.inFlight?.leave();
        if (result.exitCode !== 0)
          deps.logger.debug({ pkgbase: target.pkgbase, exitCode: result.exitCode, stderr: result.stderr }, 'git upload-pack exited');
      },
      () => deps.inFlight?.leave(),
    );
    return upload;
  };

  const respond = async (c: Context, target: Target, upload: UploadPackRun, advertise: boolean): Promise<Response> => {
    const outcome = await upload.outcome;
    if (outcome.kind === 'answer') return reply(outcome.body, advertise);
    // A failure of ours is logged; one caused by the request, or by a client that left, is not.
    if (outcome.status === 500 && !c.req.raw.signal.aborted) {
      deps.logger.error({ pkgbase: target.pkgbase, stderr: (await upload.finished).stderr }, outcome.message);
    }
    return plain(c, outcome.status, outcome.message);
  };

  /** A small answer from the cache, or from git, kept when git answered it completely. */
  const cached = async (c: Context, target: Target, key: string, request: Buffer | null, advertise: boolean): Promise<Response> => {
    const hit = answers.get(key);
    if (hit) return reply(hit, advertise);
    const kept: Buffer[] = [];
    let size = 0;
    const upload = run(c, target, {
      advertise,
      // What the key names, and nothing else of the client's header, reaches git.
      protocol: 'version=2',
      input: request === null ? null : Readable.from([request], { objectMode: false }),
      onOutput: (chunk) => {
        size += chunk.length;
        if (size <= MAX_CACHED_ANSWER_BYTES) kept.push(chunk);
      },
    });
    void upload.finished.then((result) => {
      if (result.complete && size > 0 && size <= MAX_CACHED_ANSWER_BYTES) answers.set(key, Buffer.concat(kept));
    });
    return respond(c, target, upload, advertise);
  };

  const advertise = async (c: Context): Promise<Response> => {
    const target = resolve(c);
    if (target instanceof Response) return target;
    const protocol = c.req.header('Git-Protocol');
    deps.onServed?.(target.pkgbase, 'advertise');
    if (isProtocolV2(protocol)) return cached(c, target, JSON.stringify(['advertise', 'version=2']), null, true);
    return respond(c, target, run(c, target, { advertise: true, protocol, input: null, preamble: SERVICE_LINE }), true);
  };

  const uploadPack = async (c: Context): Promise<Response> => {
    const target = resolve(c);
    if (target instanceof Response) return target;
    const protocol = c.req.header('Git-Protocol');
    deps.onServed?.(target.pkgbase, 'upload-pack');
    const v2 = isProtocolV2(protocol);
    const body = decodedBody(c.req.raw.body, c.req.header('Content-Encoding') === 'gzip', MAX_REQUEST_BYTES);
    // The first bytes are decoded before git starts, so a body that is not what it claims never gets a
    // git process; under v2 a small ls-refs request is read whole, to be answered from the cache.
    let start: Awaited<ReturnType<typeof readPrefix>>;
    try {
      start = await readPrefix(body, v2 ? MAX_CACHEABLE_LS_REFS_BYTES : 0);
    } catch (error) {
      const refusal = bodyRefusal(error);
      return plain(c, refusal.status, refusal.message);
    }
    const lsRefs = v2 && start.ended ? parseLsRefs(start.bytes) : null;
    if (lsRefs) {
      // The served master is part of the key: an approval or revocation moves it, and a new key follows.
      const master = await readRef(target.repo, 'refs/heads/master');
      return cached(c, target, JSON.stringify(['ls-refs', target.pkgbase, master, 'version=2', lsRefs]), start.bytes, false);
    }
    const input = start.ended ? Readable.from([start.bytes], { objectMode: false }) : body;
    return respond(c, target, run(c, target, { advertise: false, protocol, input }), false);
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

/**
 * Under @hono/node-server the Node response is at hand: destroying it closes the connection, and the
 * adapter then cancels the answer stream quietly (an errored answer stream is logged to stderr by it).
 */
function connectionCloser(c: Context): (() => void) | undefined {
  const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
  return outgoing ? () => outgoing.destroy() : undefined;
}
