import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { docker, dockerOk, type DockerResult } from './docker.js';
import { freePort } from './ports.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { outputContains } from './until.js';

/**
 * The hardening docker-compose.yml applies to the aurgate service, as `docker run` flags: a read-only root
 * filesystem with a tmpfs at /tmp (for SQLite's temporary files; nothing the tests do writes outside /data),
 * no capabilities, no privilege gain through setuid binaries. Every container the tests start
 * runs with them, so the hardening is proven by the tests rather than assumed.
 */
export const HARDENING_FLAGS: readonly string[] = [
  '--read-only',
  '--tmpfs',
  '/tmp:rw,nosuid,nodev,noexec,size=64m',
  '--cap-drop',
  'ALL',
  '--security-opt',
  'no-new-privileges:true',
];

export interface ContainerOptions {
  image: string;
  /** A named volume, mounted at /data as in compose. */
  volume: string;
  upstreamUrl: string;
  /** Extra environment. */
  env?: Record<string, string>;
  /**
   * Overrides the image's HEALTHCHECK interval (30 s, first check after it). The check itself is the
   * image's; only the first container of a run keeps the image's timing, to measure it.
   */
  healthInterval?: string;
}

const names = new Set<string>();

/** A unique name for a container or volume of this run (removed by removeAll()). */
export function testName(kind: string): string {
  const name = `aurgate-test-${kind}-${randomBytes(4).toString('hex')}`;
  names.add(name);
  return name;
}

/** One `aurgate serve` container on the host network (the engine here has no bridge), on 127.0.0.1:<port>. */
export class AurgateContainer {
  private constructor(
    readonly name: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(options: ContainerOptions): Promise<AurgateContainer> {
    const name = testName('serve');
    const port = await freePort();
    const env = {
      AURGATE_HOST: '127.0.0.1',
      AURGATE_PORT: String(port),
      AURGATE_PUBLIC_URL: `http://127.0.0.1:${port}`,
      AURGATE_UPSTREAM_URL: options.upstreamUrl,
      // Only the syncs a test starts: the default schedule could fire in the middle of one.
      AURGATE_SYNC_SCHEDULE: '0 0 29 2 *',
      ...options.env,
    };
    const health = options.healthInterval ? ['--health-interval', options.healthInterval] : [];
    await dockerOk([
      'run',
      '--detach',
      '--name',
      name,
      '--network',
      'host',
      ...HARDENING_FLAGS,
      ...health,
      '--volume',
      `${options.volume}:/data`,
      ...Object.entries(env).flatMap(([key, value]) => ['--env', `${key}=${value}`]),
      options.image,
    ]);
    return new AurgateContainer(name, port);
  }

  async state(): Promise<{ Status: string; ExitCode: number; Health?: { Status: string } }> {
    return JSON.parse(await dockerOk(['inspect', '--format', '{{json .State}}', this.name])) as {
      Status: string;
      ExitCode: number;
      Health?: { Status: string };
    };
  }

  /**
   * Polls the engine until the image's HEALTHCHECK passed. No deadline of its own (the test's hang guard
   * bounds it): a loaded machine only makes it wait longer. `unhealthy` is not final either (a server slower
   * to start than the start period turns healthy at its first passing check); a container that exited is,
   * and fails at once with its logs.
   */
  async healthy(): Promise<void> {
    for (;;) {
      const state = await this.state();
      if (state.Status === 'exited' || state.Status === 'dead')
        throw new Error(`${this.name} ${state.Status} (${state.ExitCode}):\n${await this.logs()}`);
      if (state.Health?.Status === 'healthy') return;
      // Each look spawns a docker client: twice a second is plenty for checks that run every second or more.
      await sleep(500);
    }
  }

  /** `aurgate <args>` in the running container, as `docker exec` (stdin, e.g. a password, piped in). */
  cli(args: readonly string[], input?: string): Promise<DockerResult> {
    return docker(['exec', ...(input === undefined ? [] : ['--interactive']), this.name, 'node', 'bin/aurgate.js', ...args], { input });
  }

  /** Like cli(), but a non-zero exit fails with the command's output. */
  async cliOk(args: readonly string[], input?: string): Promise<string> {
    const result = await this.cli(args, input);
    if (result.code !== 0) throw new Error(`aurgate ${args.join(' ')} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
    return result.stdout;
  }

  /** Any command in the container. */
  exec(command: readonly string[]): Promise<DockerResult> {
    return docker(['exec', this.name, ...command]);
  }

  async logs(): Promise<string> {
    const result = await docker(['logs', this.name]);
    return result.stdout + result.stderr;
  }

  /** Resolves when `text` appears in the container's log (followed, from its start). */
  logContains(text: string): Promise<void> {
    const follow = spawn('docker', ['logs', '--follow', this.name], { stdio: ['ignore', 'ignore', 'pipe'] });
    return outputContains(follow.stderr, text).finally(() => follow.kill());
  }

  /** `docker stop` with a grace period no test reaches (compose gives 45 s): the server decides when it is done. */
  async stop(): Promise<{ exitCode: number }> {
    await dockerOk(['stop', '--time', '600', this.name]);
    return { exitCode: (await this.state()).ExitCode };
  }
}

/** Removes every container and volume this run named; failures are ignored (a container may be gone). */
export async function removeAll(): Promise<void> {
  const all = [...names];
  names.clear();
  await docker(['rm', '--force', '--volumes', ...all]);
  await docker(['volume', 'rm', '--force', ...all]);
}
