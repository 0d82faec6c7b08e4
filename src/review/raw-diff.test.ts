import { describe, expect, it } from 'vitest';
import { GitError } from '../errors.js';
import { patchPiecesOf, splitPatch, splitRawAndPatch } from './raw-diff.js';

const Z40 = '0'.repeat(40);
const A40 = 'a'.repeat(40);
const B40 = 'b'.repeat(40);

const record = (meta: string, ...paths: string[]): string => `${meta}\0${paths.map((path) => `${path}\0`).join('')}`;

describe('splitRawAndPatch', () => {
  it('reads exact paths (quotes, tabs, newlines, NUL-free anything) and the patch after the separator', () => {
    const names = ['has "quotes".sh', 'tab\there.txt', 'new\nline.txt', 'ünïcödé ✓.txt', '<img src=x onerror=alert(1)>.sh', ':colon'];
    const raw = names.map((name) => record(`:000000 100644 ${Z40} ${A40} A`, name)).join('');
    const patch = 'diff --git a/x b/x\n+content with \0 and : inside\n';
    const { changes, patch: rest } = splitRawAndPatch(`${raw}\0${patch}`);
    expect(changes.map((change) => change.path)).toEqual(names);
    expect(changes.map((change) => change.oldPath)).toEqual(names);
    expect(changes[0]).toMatchObject({ status: 'A', score: null, oldMode: '000000', newMode: '100644', oldObject: Z40, newObject: A40 });
    expect(rest).toBe(patch);
  });

  it('takes two paths for renames and copies, with their score', () => {
    const raw =
      record(`:100644 100644 ${A40} ${A40} R100`, 'old\tname', 'new\nname') +
      record(`:100644 100644 ${A40} ${B40} C075`, 'src', 'dst') +
      record(`:100644 000000 ${A40} ${Z40} D`, 'gone') +
      record(`:100644 120000 ${A40} ${B40} T`, 'link') +
      record(`:100644 100755 ${A40} ${A40} M`, 'mode');
    const { changes, patch } = splitRawAndPatch(`${raw}\0diff --git a/old b/new\n`);
    expect(changes.map(({ status, score, oldPath, path }) => [status, score, oldPath, path])).toEqual([
      ['R', 100, 'old\tname', 'new\nname'],
      ['C', 75, 'src', 'dst'],
      ['D', null, 'gone', 'gone'],
      ['T', null, 'link', 'link'],
      ['M', null, 'mode', 'mode'],
    ]);
    expect(patch).toBe('diff --git a/old b/new\n');
  });

  it('answers nothing for no change, and refuses what git never prints', () => {
    expect(splitRawAndPatch('')).toEqual({ changes: [], patch: '' });
    for (const bad of [
      `:100644 100644 ${A40} ${B40} M\0unterminated`,
      `:100644 100644 ${A40} ${B40} Q\0x\0`,
      `:10064 100644 ${A40} ${B40} M\0x\0`,
      `:100644 100644 ${A40} ${B40} R100\0only-one\0`,
      'diff --git a/x b/x\n',
    ]) {
      expect(() => splitRawAndPatch(bad), JSON.stringify(bad)).toThrow(GitError);
    }
  });
});

describe('splitPatch', () => {
  it('cuts at each diff --git header at the start of a line, and nowhere else', () => {
    const first = 'diff --git a/a b/a\nindex 1..2 100644\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n-diff --git a/x b/x\n+ok\rdiff --git a/y b/y\n';
    const second = 'diff --git "a/tab\\there" "b/tab\\there"\nnew file mode 100644\n';
    const third = 'diff --git a/last b/last\nold mode 100644\nnew mode 100755';
    expect(splitPatch(first + second + third)).toEqual([first, second, third]);
    expect(splitPatch('')).toEqual([]);
    expect(() => splitPatch('garbage\ndiff --git a/x b/x\n')).toThrow(GitError);
  });
});

describe('patchPiecesOf', () => {
  it('counts a type change (file ↔ symlink ↔ submodule) as a deletion plus a creation', () => {
    const change = { score: null, oldMode: '100644', newMode: '120000', oldObject: A40, newObject: B40, oldPath: 'x', path: 'x' };
    expect(patchPiecesOf({ ...change, status: 'T' })).toBe(2);
    for (const status of ['A', 'C', 'D', 'M', 'R'] as const) expect(patchPiecesOf({ ...change, status })).toBe(1);
  });
});
