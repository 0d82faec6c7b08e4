import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { git } from './run.js';

/** `section.key` → value, written into the new repository's config. */
export type RepoSettings = ReadonlyArray<readonly [string, string]>;

function configText(settings: RepoSettings): string {
  return settings
    .map(([name, value]) => {
      const dot = name.indexOf('.');
      return `[${name.slice(0, dot)}]\n\t${name.slice(dot + 1)} = ${value}\n`;
    })
    .join('');
}

/**
 * Creates a bare repository with its settings in place before it becomes visible: it is initialised
 * beside the target, configured by writing its config file (one git process instead of one per
 * setting), and renamed into place, so a crash never leaves a half-configured repository behind.
 */
export async function initBareRepo(target: string, settings: RepoSettings, files: Record<string, string> = {}): Promise<void> {
  if (existsSync(path.join(target, 'HEAD'))) return;
  const staging = `${target}.init-${randomBytes(4).toString('hex')}`;
  await mkdir(path.dirname(target), { recursive: true });
  try {
    await git(['init', '--quiet', '--bare', staging], { cwd: path.dirname(target) });
    await appendFile(path.join(staging, 'config'), configText(settings));
    for (const [file, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(staging, file)), { recursive: true });
      await writeFile(path.join(staging, file), content);
    }
    await rename(staging, target);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    // Another process may have created the same repository meanwhile; that one is as good as ours.
    if (existsSync(path.join(target, 'HEAD'))) return;
    throw error;
  }
}
