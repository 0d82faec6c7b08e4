import type { ChildProcess } from 'node:child_process';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { spawnGit } from '../../git/run.js';

/** Only what git itself sends in the Git-Protocol header reaches upload-pack's environment. */
const PROTOCOL_HEADER = /^[a-z0-9]+=[a-z0-9.]+(:[a-z0-9]+=[a-z0-9.]+)*$/i;

export function protocolEnv(header: string | undefined): Record<string, string> {
  return header && header.length <= 200 && PROTOCOL_HEADER.test(header) ? { GIT_PROTOCOL: header } : {};
}

export function isProtocolV2(header: string | undefined): boolean {
  return protocolEnv(header).GIT_PROTOCOL?.split(':').includes('version=2') ?? false;
}

export interface UploadPackRun {
  child: ChildProcess;
  stdout: ReadableStream<Uint8Array>;
  done: Promise<void>;
}

/**
 * Starts git's own server side (`git upload-pack --stateless-rpc`) on a served repo, exactly what
 * `git http-backend` runs, with a hard timeout. The caller streams stdout to the client.
 */
export function startUploadPack(options: {
  repo: string;
  advertise: boolean;
  protocol: string | undefined;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}): UploadPackRun {
  const args = ['upload-pack', '--stateless-rpc', ...(options.advertise ? ['--advertise-refs'] : []), options.repo];
  const child = spawnGit(args, { cwd: options.repo, env: protocolEnv(options.protocol) });
  const kill = () => child.kill('SIGKILL');
  const timer = setTimeout(kill, options.timeoutMs);
  options.signal?.addEventListener('abort', kill, { once: true });
  const done = new Promise<void>((resolve) => {
    child.on('close', () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', kill);
      resolve();
    });
  });
  child.stderr?.resume();
  if (!child.stdout) throw new Error('git upload-pack has no stdout');
  return { child, stdout: Readable.toWeb(child.stdout) as ReadableStream<Uint8Array>, done };
}

/** Reads the whole request (gzip-decoded when git compressed it), or null when it is unreadable or too large. */
export async function readRequest(body: ReadableStream<Uint8Array> | null, gzip: boolean, maxBytes: number): Promise<Buffer | null> {
  if (!body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let seen = 0;
  try {
    let source: AsyncIterable<Buffer> = Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>);
    if (gzip) source = (source as Readable).pipe(createGunzip());
    for await (const chunk of source) {
      seen += chunk.length;
      if (seen > maxBytes) return null;
      chunks.push(chunk);
    }
  } catch {
    return null;
  }
  return Buffer.concat(chunks);
}

/** A protocol v2 request names its command in its first pkt-line (`command=ls-refs`). */
export function v2Command(request: Buffer): string | null {
  const length = Number.parseInt(request.subarray(0, 4).toString('latin1'), 16);
  if (!Number.isInteger(length) || length < 5 || length > request.length) return null;
  const line = request.subarray(4, length).toString('latin1').trimEnd();
  return line.startsWith('command=') ? line.slice('command='.length) : null;
}
