import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../errors.js';
import { readRef } from '../git/refs.js';
import { STAGED_REF_PREFIX, StagingRepos } from './staging.js';

/** A "primary" holding `<pkgbase>.git` with one commit carrying `blobBytes` of incompressible data. */
function primaryWith(pkgbase: string, blobBytes: number): { root: string; commit: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'aurgate-primary-'));
  const work = path.join(root, 'work');
  const run = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@e', ...args], { cwd, encoding: 'utf8' }).trim();
  execFileSync('git', ['init', '-q', '-b', 'master', work]);
  writeFileSync(path.join(work, 'payload'), randomBytes(blobBytes));
  run(work, 'add', 'payload');
  run(work, 'commit', '-q', '-m', 'payload');
  execFileSync('git', ['clone', '-q', '--bare', work, path.join(root, `${pkgbase}.git`)]);
  // Fetching by id from a non-HTTP remote needs the id advertised or this setting.
  run(path.join(root, `${pkgbase}.git`), 'config', 'uploadpack.allowAnySHA1InWant', 'true');
  return { root, commit: run(work, 'rev-parse', 'HEAD') };
}

function hasObject(repo: string, id: string): boolean {
  try {
    execFileSync('git', ['cat-file', '-e', id], { cwd: repo, stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

describe("a replica's staging fetch", () => {
  it('refuses a pack over the byte cap, keeping no ref and none of its objects', async () => {
    const { root, commit } = primaryWith('big', 512 * 1024);
    const staging = new StagingRepos(mkdtempSync(path.join(os.tmpdir(), 'aurgate-staging-')), { timeoutMs: 60_000, maxBytes: 64 * 1024 });
    const fetching = staging.fetch(root, 'big', commit);
    await expect(fetching).rejects.toThrow(UpstreamError);
    await expect(fetching).rejects.toThrow(/fetching big [0-9a-f]{40} from the primary failed: .*65536-byte cap \(AURGATE_MAX_REPO_BYTES\)/);
    const repo = staging.repoPath('big');
    expect(await readRef(repo, `${STAGED_REF_PREFIX}${commit}`)).toBeNull();
    expect(hasObject(repo, commit)).toBe(false);
  });

  it('fetches a commit under the cap by id', async () => {
    const { root, commit } = primaryWith('small', 4 * 1024);
    const staging = new StagingRepos(mkdtempSync(path.join(os.tmpdir(), 'aurgate-staging-')), { timeoutMs: 60_000, maxBytes: 64 * 1024 });
    const repo = await staging.fetch(root, 'small', commit);
    expect(await readRef(repo, `${STAGED_REF_PREFIX}${commit}`)).toBe(commit);
  });
});
