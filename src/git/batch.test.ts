import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRangeAndFile } from './batch.js';
import { commitsBetween } from './history.js';

function repo(): { dir: string; git: (...args: string[]) => string; commit: (message: string, content?: string) => string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aurgate-batch-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Ann Example', '-c', 'user.email=ann@example.org', ...args], { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'master');
  const commit = (message: string, content = message) => {
    writeFileSync(path.join(dir, '.SRCINFO'), `pkgbase = x\n# ${content}\n`);
    git('add', '.SRCINFO');
    git('commit', '-q', '-m', message);
    return git('rev-parse', 'HEAD');
  };
  return { dir, git, commit };
}

describe('reading a revision in one git process', () => {
  it('gives the same commits as git log for a linear range, and the file at head', async () => {
    const { dir, commit } = repo();
    const first = commit('first');
    commit('second\n\nbody text');
    const third = commit('third line one\nline two');
    const gitDir = path.join(dir, '.git');
    const read = await readRangeAndFile(gitDir, first, third, '.SRCINFO');
    const logged = await commitsBetween(gitDir, first, third);
    expect(read.commits?.map(({ parents: _parents, ...rest }) => rest)).toEqual(logged);
    expect(read.file?.toString()).toContain('third line one');
    const whole = await readRangeAndFile(gitDir, null, third, '.SRCINFO');
    expect(whole.commits?.map((c) => c.id)).toEqual((await commitsBetween(gitDir, null, third)).map((c) => c.id));
    expect((await readRangeAndFile(gitDir, null, third, 'missing-file')).file).toBeNull();
  });

  it('leaves merges to git log', async () => {
    const { dir, git, commit } = repo();
    const base = commit('base');
    git('checkout', '-q', '-b', 'side');
    commit('side', 'side change');
    git('checkout', '-q', 'master');
    commit('main', 'main change');
    git('merge', '-q', '--no-edit', '-s', 'ours', 'side');
    const head = git('rev-parse', 'HEAD');
    expect((await readRangeAndFile(path.join(dir, '.git'), base, head, '.SRCINFO')).commits).toBeNull();
  });
});
