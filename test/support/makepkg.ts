import { execFile } from 'node:child_process';
import { chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CHILD_HANG_GUARD_MS } from './hang-guard.js';

export interface MakepkgResult {
  stdout: string;
  stderr: string;
}

/**
 * Debian's makepkg, run the way CI can: it refuses root, so as root it runs as the `builder` user that
 * .ci/run creates; PACMAN=true stands in for pacman (the suite builds with --nodeps). `env` sets
 * makepkg variables such as PKGEXT. A missing makepkg or builder is an error, not a skip: .ci/run
 * installs both.
 */
export async function runMakepkg(dir: string, args: readonly string[], env: Record<string, string> = {}): Promise<MakepkgResult> {
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await chownRecursive(dir);
  const command = asRoot ? ['runuser', '-u', 'builder', '--'] : [];
  const settings = Object.entries(env).map(([name, value]) => `${name}=${value}`);
  const [program = 'env', ...rest] = [...command, 'env', 'PACMAN=true', ...settings, 'makepkg', ...args];
  return new Promise((resolve, reject) => {
    execFile(program, rest, { cwd: dir, timeout: CHILD_HANG_GUARD_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`makepkg ${args.join(' ')} failed in ${dir}: ${stderr || error.message}`));
      else resolve({ stdout, stderr });
    });
  });
}

async function chownRecursive(dir: string): Promise<void> {
  const uid = await new Promise<number>((resolve, reject) =>
    execFile('id', ['-u', 'builder'], (error, stdout) =>
      error ? reject(new Error('the builder user is missing (.ci/run creates it: useradd -m builder)')) : resolve(Number(stdout.trim())),
    ),
  );
  await new Promise<void>((resolve, reject) => execFile('chown', ['-R', `${uid}`, dir], (error) => (error ? reject(error) : resolve())));
  // mkdtemp makes 0700 folders: the builder must be able to walk down to the package directory.
  for (let parent = path.dirname(dir); parent.startsWith(os.tmpdir()) && parent !== os.tmpdir(); parent = path.dirname(parent))
    await chmod(parent, 0o755);
}
