import { PassThrough, pipeline, Writable, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { spawnGit } from '../../git/run.js';
import { bodyRefusal } from './request-body.js';

/** Only what git itself sends in the Git-Protocol header reaches upload-pack's environment. */
const PROTOCOL_HEADER = /^[a-z0-9]+=[a-z0-9.]+(:[a-z0-9]+=[a-z0-9.]+)*$/i;
const STDERR_TAIL_BYTES = 2048;

export function protocolEnv(header: string | undefined): Record<string, string> {
  return header && header.length <= 200 && PROTOCOL_HEADER.test(header) ? { GIT_PROTOCOL: header } : {};
}

export function isProtocolV2(header: string | undefined): boolean {
  return protocolEnv(header).GIT_PROTOCOL?.split(':').includes('version=2') ?? false;
}

export interface UploadPackOptions {
  repo: string;
  advertise: boolean;
  protocol: string | undefined;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** The client's request, streamed into git's stdin; null when there is none (the advertisement). */
  input: Readable | null;
  /** Sent before git's output (the service line of the v0 advertisement). */
  preamble?: Uint8Array;
  /** Sees each chunk git writes, e.g. to keep a small answer. */
  onOutput?: (chunk: Buffer) => void;
  /**
   * Closes the client's connection when an answer already under way must be cut off; without it the
   * answer stream is destroyed with the reason instead (which the HTTP adapter reports on stderr).
   */
  closeConnection?: () => void;
}

/** Git's answer to stream to the client, or why there is none (nothing has been sent yet then). */
export type UploadPackOutcome = { kind: 'answer'; body: Readable } | { kind: 'refused'; status: 400 | 413 | 500; message: string };

export interface UploadPackRun {
  /** Settles as soon as git writes its first byte, or when it exits without writing any. */
  outcome: Promise<UploadPackOutcome>;
  /** Settles once git has exited and its answer, if one was handed out, has been sent or abandoned. */
  finished: Promise<{ exitCode: number | null; stderr: string; complete: boolean }>;
}

/**
 * Feeds the request into git's stdin. When git stops reading (it answered, or refused the request,
 * and exited: EPIPE), the rest of the body is still read and dropped, so its size cap keeps applying
 * and git's answer can still reach a client that is busy sending.
 */
function intoStdin(stdin: Writable): Writable {
  let open = true;
  stdin.on('error', () => (open = false));
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (!open || stdin.destroyed || stdin.write(chunk)) return callback();
      const resume = (): void => {
        for (const event of ['drain', 'error', 'close']) stdin.off(event, resume);
        callback();
      };
      for (const event of ['drain', 'error', 'close']) stdin.on(event, resume);
    },
    final(callback) {
      if (open && !stdin.destroyed) stdin.end();
      callback();
    },
    destroy(error, callback) {
      // Destroyed after finishing too (autoDestroy): only a failure may cut stdin short, since what
      // was written may not have reached git yet.
      if (error) stdin.destroy();
      callback(error);
    },
  });
}

/** Streams the request into git's stdin (or closes it when there is none); a failed request is reported. */
function feed(input: Readable | null, stdin: Writable, onError: (error: Error) => void): void {
  if (!input) {
    stdin.on('error', () => {});
    stdin.end();
    return;
  }
  pipeline(input, intoStdin(stdin), (error) => {
    if (error) onError(error instanceof Error ? error : new Error(String(error)));
  });
}

function stderrTail(stream: Readable): () => string {
  let tail = Buffer.alloc(0);
  stream.on('data', (chunk: Buffer) => {
    tail = Buffer.concat([tail, chunk]);
    if (tail.length > STDERR_TAIL_BYTES) tail = tail.subarray(tail.length - STDERR_TAIL_BYTES);
  });
  stream.on('error', () => {});
  return () => tail.toString('utf8').trim();
}

/**
 * Runs git's own server side (`git upload-pack --stateless-rpc`, what `git http-backend` runs) on a
 * served repo with a hard timeout. The answer starts only once git writes, so a request git refuses
 * before answering gets an HTTP error rather than an empty 200. Every stream involved has its errors
 * handled: a broken request kills git; a timeout, a broken request or a vanished client after the
 * answer started ends the answer with an error, which closes the connection.
 */
export function runUploadPack(options: UploadPackOptions): UploadPackRun {
  const args = ['upload-pack', '--stateless-rpc', ...(options.advertise ? ['--advertise-refs'] : []), options.repo];
  const child = spawnGit(args, { cwd: options.repo, env: protocolEnv(options.protocol) });
  const { stdin, stdout, stderr } = child as unknown as { stdin: Writable; stdout: Readable; stderr: Readable };
  const body = new PassThrough();
  if (options.preamble) body.write(options.preamble);
  const readStderr = stderrTail(stderr);
  let started = false;
  let stopped: Error | null = null;
  let requestError: unknown = null;
  let spawnError: Error | null = null;
  let settle: (outcome: UploadPackOutcome) => void = () => {};
  const outcome = new Promise<UploadPackOutcome>((resolve) => (settle = resolve));

  const stop = (reason: Error): void => {
    stopped ??= reason;
    child.kill('SIGKILL');
    if (!started) return;
    if (options.closeConnection) options.closeConnection();
    else body.destroy(reason);
  };
  const timer = setTimeout(() => stop(new Error('git upload-pack timed out')), options.timeoutMs);
  const onAbort = (): void => stop(new Error('the client went away'));
  options.signal?.addEventListener('abort', onAbort, { once: true });

  stdout.once('data', () => {
    started = true;
    settle({ kind: 'answer', body });
  });
  if (options.onOutput) stdout.on('data', options.onOutput);
  stdout.on('error', (error) => stop(error));
  stdout.pipe(body);
  feed(options.input, stdin, (error) => {
    requestError = error;
    stop(error);
  });

  const exited = new Promise<number | null>((resolve) => {
    child.once('close', (code) => resolve(code));
    child.once('error', (error) => ((spawnError = error), resolve(null)));
  });
  const done = exited.then(async (exitCode) => {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    if (!started) settle(withoutOutput(exitCode, requestError, spawnError, stopped, options.advertise, body));
    else await untilSentOrAbandoned(body, options.signal);
    return { exitCode, stderr: spawnError?.message ?? readStderr(), complete: exitCode === 0 && stopped === null };
  });
  return { outcome, finished: done };
}

function withoutOutput(
  exitCode: number | null,
  requestError: unknown,
  spawnError: Error | null,
  stopped: Error | null,
  advertise: boolean,
  body: Readable,
): UploadPackOutcome {
  if (requestError !== null) return { kind: 'refused', ...bodyRefusal(requestError) };
  if (spawnError) return { kind: 'refused', status: 500, message: 'aurgate: git upload-pack could not start' };
  if (stopped) return { kind: 'refused', status: 500, message: `aurgate: ${stopped.message}` };
  if (exitCode === 0) return { kind: 'answer', body };
  if (advertise) return { kind: 'refused', status: 500, message: 'aurgate: git upload-pack failed' };
  return { kind: 'refused', status: 400, message: 'aurgate: git upload-pack could not read this request' };
}

/** The answer is done when it has been read to its end or destroyed, or when the client has gone. */
async function untilSentOrAbandoned(body: Readable, signal: AbortSignal | undefined): Promise<void> {
  const abandoned = new Promise<void>((resolve) => {
    if (signal?.aborted) resolve();
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  await Promise.race([finished(body).catch(() => {}), abandoned]);
}
