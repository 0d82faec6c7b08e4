import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRef, readRefsUnder, writeRef } from './refs.js';

function repoWithCommits(): { repo: string; first: string; second: string } {
  const repo = mkdtempSync(path.join(os.tmpdir(), 'aurgate-refs-'));
  const run = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@e', ...args], { cwd: repo, encoding: 'utf8' }).trim();
  run('init', '-q', '-b', 'master');
  run('commit', '-q', '--allow-empty', '-m', 'one');
  const first = run('rev-parse', 'HEAD');
  run('commit', '-q', '--allow-empty', '-m', 'two');
  return { repo, first, second: run('rev-parse', 'HEAD') };
}

describe('reading refs from files', () => {
  it('agrees with git for loose and packed refs', () => {
    const { repo, first, second } = repoWithCommits();
    execFileSync('git', ['update-ref', 'refs/aurgate/approved/a', first], { cwd: repo });
    execFileSync('git', ['pack-refs', '--all'], { cwd: repo });
    execFileSync('git', ['update-ref', 'refs/aurgate/approved/b', second], { cwd: repo });
    return Promise.all([
      expect(readRef(path.join(repo, '.git'), 'refs/heads/master')).resolves.toBe(second),
      expect(readRef(path.join(repo, '.git'), 'refs/heads/missing')).resolves.toBeNull(),
      expect(readRefsUnder(path.join(repo, '.git'), 'refs/aurgate/approved/')).resolves.toEqual(
        new Map([
          ['refs/aurgate/approved/a', first],
          ['refs/aurgate/approved/b', second],
        ]),
      ),
    ]);
  });
});

describe('writing refs from files', () => {
  it('writes a loose ref git reads, and refuses names that could escape refs/', async () => {
    const { repo, first } = repoWithCommits();
    const gitDir = path.join(repo, '.git');
    await writeRef(gitDir, 'refs/aurgate/revisions/x', first);
    expect(execFileSync('git', ['rev-parse', 'refs/aurgate/revisions/x'], { cwd: repo, encoding: 'utf8' }).trim()).toBe(first);
    await expect(writeRef(gitDir, 'refs/../../evil', first)).rejects.toThrow(/refusing/);
    await expect(writeRef(gitDir, 'HEAD', first)).rejects.toThrow(/refusing/);
    await expect(writeRef(gitDir, 'refs/x', 'not-an-id')).rejects.toThrow(/refusing/);
  });
});

describe('creating bare repositories', () => {
  it('makes a repository git accepts, with the settings in its config', async () => {
    const { initBareRepo } = await import('./init.js');
    const target = path.join(mkdtempSync(path.join(os.tmpdir(), 'aurgate-init-')), 'pkg.git');
    await initBareRepo(target, [
      ['transfer.fsckObjects', 'true'],
      ['uploadpack.hideRefs', 'refs/aurgate'],
    ]);
    const git = (...args: string[]) => execFileSync('git', args, { cwd: target, encoding: 'utf8' }).trim();
    expect(git('rev-parse', '--is-bare-repository')).toBe('true');
    expect(git('config', 'transfer.fsckObjects')).toBe('true');
    expect(git('config', 'uploadpack.hideRefs')).toBe('refs/aurgate');
    expect(git('symbolic-ref', 'HEAD')).toBe('refs/heads/master');
    expect(git('fsck', '--no-progress')).toBe('');
  });
});
