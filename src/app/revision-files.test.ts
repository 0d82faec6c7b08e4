import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { loadCommitFiles, loadRevisionFiles } from './revision-files.js';

it('reads a whole tree for the risk checks: text as text, binary as size only, identical blobs each', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aurgate-files-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@e', ...args], { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'master');
  writeFileSync(path.join(dir, 'PKGBUILD'), 'pkgname=x\n');
  writeFileSync(path.join(dir, 'copy.txt'), 'pkgname=x\n');
  writeFileSync(path.join(dir, 'helper.bin'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]));
  git('add', '.');
  git('commit', '-q', '-m', 'files');
  const { files } = await loadRevisionFiles(path.join(dir, '.git'), git('rev-parse', 'HEAD'));
  expect(Object.fromEntries(files)).toEqual({
    PKGBUILD: { text: 'pkgname=x\n', size: 10 },
    'copy.txt': { text: 'pkgname=x\n', size: 10 },
    'helper.bin': { text: null, size: 7 },
  });
});

it('reads base, candidate and the newest commits of the range that fit the limits, oldest cut first', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aurgate-range-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@e', ...args], { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'master');
  const commits: string[] = [];
  for (let step = 0; step < 5; step += 1) {
    writeFileSync(path.join(dir, 'PKGBUILD'), `pkgver=${step}\n`);
    writeFileSync(path.join(dir, 'big.txt'), step === 2 ? 'x'.repeat(1000) : 'small\n');
    git('add', '.');
    git('commit', '-q', '-m', `step ${step}`);
    commits.push(git('rev-parse', 'HEAD'));
  }
  const [base = '', c1 = '', c2 = '', c3 = '', head = ''] = commits;
  const repo = path.join(dir, '.git');
  const all = await loadCommitFiles(repo, [head, base], [c1, c2, c3], { maxCommits: 50, maxBytes: 1 << 20 });
  expect(all.required.map((files) => files.files.get('PKGBUILD')?.text)).toEqual(['pkgver=4\n', 'pkgver=0\n']);
  expect(all.range.map((step) => [step.commit, step.files.files.get('PKGBUILD')?.text])).toEqual([
    [c1, 'pkgver=1\n'],
    [c2, 'pkgver=2\n'],
    [c3, 'pkgver=3\n'],
  ]);
  expect((await loadCommitFiles(repo, [head], [c1, c2, c3], { maxCommits: 2, maxBytes: 1 << 20 })).range.map((s) => s.commit)).toEqual([c2, c3]);
  // c2 brings 1000 new bytes: over a 500-byte budget it and everything older are left out.
  expect((await loadCommitFiles(repo, [head], [c1, c2, c3], { maxCommits: 50, maxBytes: 500 })).range.map((s) => s.commit)).toEqual([c3]);
});
