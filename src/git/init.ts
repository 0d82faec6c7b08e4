import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

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

/** What `git init --bare` writes that git needs (hooks, description and info/exclude are optional). */
const BARE_CORE = '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n';

/**
 * Creates a bare repository with its settings in place before it becomes visible: its skeleton (the
 * layout `git init --bare` creates, minus sample hooks) is written beside the target and renamed into
 * place, so a crash never leaves a half-configured repository behind. No git process is started:
 * starting one blocks Node's event loop for milliseconds, and a sync creates a repository per package.
 */
export async function initBareRepo(target: string, settings: RepoSettings, files: Record<string, string> = {}): Promise<void> {
  if (existsSync(path.join(target, 'HEAD'))) return;
  const staging = `${target}.init-${randomBytes(4).toString('hex')}`;
  await mkdir(path.dirname(target), { recursive: true });
  try {
    for (const dir of ['objects/info', 'objects/pack', 'refs/heads', 'refs/tags', 'info']) await mkdir(path.join(staging, dir), { recursive: true });
    await writeFile(path.join(staging, 'HEAD'), 'ref: refs/heads/master\n');
    await writeFile(path.join(staging, 'config'), BARE_CORE + configText(settings));
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
