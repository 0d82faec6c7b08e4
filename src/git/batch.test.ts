import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readObjects, readRangeAndFile } from './batch.js';
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

describe('streaming cat-file --batch', () => {
  it('reads many objects of every size exactly, however the output is chunked', async () => {
    const { dir } = repo();
    const contents = [
      Buffer.alloc(0),
      Buffer.from('line\n'.repeat(3)),
      randomBytes(3 * 1024 * 1024),
      Buffer.from('\n\n 12 blob 40\n'),
      ...Array.from({ length: 120 }, (_, i) => randomBytes(1 + ((i * 7919) % 70_000))),
    ];
    const files = contents.map((content, index) => {
      const file = path.join(dir, `f${index}`);
      writeFileSync(file, content);
      return file;
    });
    const ids = execFileSync('git', ['hash-object', '-w', '--stdin-paths'], { cwd: dir, input: files.join('\n'), encoding: 'utf8' })
      .trim()
      .split('\n');
    const specs = [...ids.slice(0, 3), 'no-such-object', ...ids.slice(3)];
    const objects = await readObjects(dir, specs);
    expect(objects.map((object) => object.spec)).toEqual(specs);
    expect(objects[3]).toMatchObject({ id: null, type: 'missing', data: null });
    const read = objects.filter((object) => object.id !== null);
    expect(read.map((object) => object.id)).toEqual(ids);
    read.forEach((object, index) => {
      expect(object.type).toBe('blob');
      expect(object.size).toBe(contents[index]?.length);
      expect(object.data?.equals(contents[index] ?? Buffer.alloc(1)), `object ${index}`).toBe(true);
    });
  });

  it("skips objects over the caller's limit, keeping their size", async () => {
    const { dir, git } = repo();
    const big = path.join(dir, 'big');
    writeFileSync(big, randomBytes(5 * 1024 * 1024));
    writeFileSync(path.join(dir, 'small'), 'small\n');
    const ids = [git('hash-object', '-w', big), git('hash-object', '-w', path.join(dir, 'small'))];
    const [skipped, small] = await readObjects(dir, ids, { maxObjectBytes: 1024 * 1024 });
    expect(skipped).toMatchObject({ type: 'blob', size: 5 * 1024 * 1024, data: null });
    expect(small?.data?.toString()).toBe('small\n');
  });

  it('does not read a .SRCINFO larger than the parser accepts, and says how large it is', async () => {
    const { dir, git } = repo();
    writeFileSync(path.join(dir, '.SRCINFO'), `pkgbase = x\n${'# padding\n'.repeat(120_000)}`);
    git('add', '.SRCINFO');
    git('commit', '-q', '-m', 'huge');
    const read = await readRangeAndFile(path.join(dir, '.git'), null, git('rev-parse', 'HEAD'), '.SRCINFO');
    expect(read.file).toBeNull();
    expect(read.fileSize).toBeGreaterThan(1024 * 1024);
    expect(read.commits).toHaveLength(1);
  });
});
