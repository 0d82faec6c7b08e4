import { execFile } from 'node:child_process';
import { CHILD_HANG_GUARD_MS } from './hang-guard.js';

/**
 * The real Docker engine the container tests use. `.ci/run` starts one with the workplace's
 * docker-offline script and exports its DOCKER_HOST; no image can be pulled there, so FROM names local
 * images: the stand-ins below, which that script builds.
 */
export const NODE_STAND_IN_IMAGE = 'node:20-bookworm-slim';
export const MAKEPKG_STAND_IN_IMAGE = 'aurgate-test/makepkg:bookworm';

export interface DockerResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface DockerOptions {
  cwd?: string;
  /** Extra environment for the docker client (DOCKER_BUILDKIT=0 is always set: the legacy builder only). */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Written to the client's stdin, then closed (e.g. a password for `docker exec -i`). */
  input?: string;
}

/** Runs the docker client; resolves with its exit code, never rejects on a non-zero exit. */
export function docker(args: readonly string[], options: DockerOptions = {}): Promise<DockerResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'docker',
      args,
      {
        cwd: options.cwd,
        env: { ...process.env, DOCKER_BUILDKIT: '0', ...options.env },
        timeout: options.timeoutMs ?? CHILD_HANG_GUARD_MS,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(new Error(`docker ${args.join(' ')}: ${error.message}`));
        else resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input ?? '');
  });
}

/** Like docker(), but a non-zero exit is an error carrying the command and its stderr. */
export async function dockerOk(args: readonly string[], options: DockerOptions = {}): Promise<string> {
  const result = await docker(args, options);
  if (result.code !== 0) throw new Error(`docker ${args.join(' ')} exited ${result.code}: ${result.stderr.slice(-4000)}`);
  return result.stdout;
}

/** Why no engine answers, or null when one does (the tests then run; they are skipped only without one). */
export async function dockerUnavailableReason(): Promise<string | null> {
  const info = await docker(['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 60_000 }).catch((error: Error) => ({
    code: -1,
    stdout: '',
    stderr: error.message,
  }));
  if (info.code === 0) return null;
  return `no Docker engine answers (DOCKER_HOST=${process.env.DOCKER_HOST ?? 'unset'}): ${info.stderr.trim().split('\n').pop() ?? ''}`;
}
