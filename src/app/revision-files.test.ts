import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { loadRevisionFiles } from './revision-files.js';

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
