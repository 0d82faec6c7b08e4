import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempDir } from './git-client.js';
import { CHILD_HANG_GUARD_MS } from './hang-guard.js';

export interface Run {
  code: number;
  output: string;
}

export function run(program: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(program, args, { timeout: CHILD_HANG_GUARD_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

export async function mustRun(program: string, args: readonly string[]): Promise<string> {
  const result = await run(program, args);
  if (result.code !== 0) throw new Error(`${program} ${args.join(' ')} failed (${result.code}): ${result.output}`);
  return result.output;
}

/**
 * The real pacman 6.0.2 as a client of aurgate's signed repository: a keyring of its own that trusts
 * exactly the key the server hands out at /repo/aurgate/key.asc, and `pacman -Sy` into a fresh root
 * and cache per run, under `SigLevel = Required DatabaseRequired`. Runs as root.
 */
export class PacmanClient {
  private constructor(
    private readonly serverUrl: string,
    readonly gnupg: string,
  ) {}

  static async trusting(serverUrl: string, fingerprint: string): Promise<PacmanClient> {
    const gnupg = path.join(await tempDir('aurgate-pacman-gnupg-'), 'gnupg');
    const keyFile = path.join(path.dirname(gnupg), 'aurgate.asc');
    await writeFile(keyFile, await (await fetch(`${serverUrl}/repo/aurgate/key.asc`)).text());
    const keyring = ['--gpgdir', gnupg, '--config', '/dev/null'];
    await mustRun('pacman-key', [...keyring, '--init']);
    await mustRun('pacman-key', [...keyring, '--add', keyFile]);
    await mustRun('pacman-key', [...keyring, '--lsign-key', fingerprint]);
    return new PacmanClient(serverUrl, gnupg);
  }

  conf(): string {
    return `[options]
Architecture = x86_64
SigLevel = Required DatabaseRequired
LocalFileSigLevel = Optional

[aurgate]
Server = ${this.serverUrl}/repo/aurgate/os/$arch
`;
  }

  /** `pacman -Sy <targets>` into a fresh root with a fresh cache. */
  async install(...targets: string[]): Promise<Run & { root: string }> {
    const root = await tempDir('aurgate-pacman-root-');
    await mkdir(path.join(root, 'var/lib/pacman'), { recursive: true });
    const cache = await tempDir('aurgate-pacman-cache-');
    const conf = path.join(root, 'pacman.conf');
    await writeFile(conf, this.conf());
    const base = ['--root', root, '--dbpath', path.join(root, 'var/lib/pacman'), '--gpgdir', this.gnupg, '--cachedir', cache, '--config', conf];
    const result = await run('pacman', [...base, '--noconfirm', '--noprogressbar', '--disable-download-timeout', '-Sy', ...targets]);
    return { ...result, root };
  }

  /** pacman-key started a gpg-agent for the keyring: stop it, it is ours. */
  async close(): Promise<void> {
    await run('gpgconf', ['--homedir', this.gnupg, '--kill', 'all']);
  }
}
