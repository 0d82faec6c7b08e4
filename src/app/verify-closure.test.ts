import { describe, expect, it } from 'vitest';
import type { LockEntry, LockFile } from '../pin/lock-file.js';
import { checkClosure, type DependencyAnswer } from './verify-closure.js';

function entry(pkgname: string, pkgbase = pkgname): LockEntry {
  return {
    pkgname,
    pkgbase,
    version: '1-1',
    commit: 'a'.repeat(40),
    url: `http://aur.test/snapshot/${pkgbase}/${'a'.repeat(40)}.tar.gz`,
    sha256: 'b'.repeat(64),
    approvedBy: 'rita',
    approvedAt: null,
  };
}

function srcinfo(pkgbase: string, lines: string[], pkgnames = [pkgbase]): { text: string } {
  return {
    text:
      [
        `pkgbase = ${pkgbase}`,
        '\tpkgver = 1',
        '\tpkgrel = 1',
        '\tarch = any',
        ...lines.map((line) => `\t${line}`),
        ...pkgnames.map((name) => `\npkgname = ${name}`),
      ].join('\n') + '\n',
  };
}

/** A server that knows `served` as served AUR packages, `pending` as awaiting review, and nothing else. */
function server(asked: string[][]) {
  return async (names: string[]): Promise<Map<string, DependencyAnswer>> => {
    asked.push(names);
    return new Map(
      names.map((name) => [
        name,
        name === 'served'
          ? { name, kind: 'served' as const, pkgname: 'served', pkgbase: 'served', version: '2-1' }
          : name === 'pending'
            ? { name, kind: 'missing' as const, reason: 'awaiting review' }
            : { name, kind: 'external' as const },
      ]),
    );
  };
}

describe('checkClosure', () => {
  it('asks the server only about what the lock does not satisfy itself (pkgnames, split siblings, provides)', async () => {
    const app = entry('app');
    const suite = entry('suite-cli', 'suite');
    const lock: LockFile = { version: 1, server: 'http://aur.test', generatedAt: '', packages: [suite, app] };
    const asked: string[][] = [];
    const checks = await checkClosure(
      lock,
      new Map([
        [app, srcinfo('app', ['depends = suite-doc>=1', 'makedepends = libfoo', 'checkdepends = glibc'])],
        [suite, srcinfo('suite', ['provides = libfoo=2'], ['suite-cli', 'suite-doc'])],
      ]),
      server(asked),
    );
    expect(asked).toEqual([['glibc']]);
    expect(checks.get(app)).toEqual({ kind: 'complete' });
  });

  it('reports served and unserved AUR dependencies the lock lacks, except gaps the lock records', async () => {
    const app = entry('app');
    const lock: LockFile = { version: 1, server: 'http://aur.test', generatedAt: '', packages: [app] };
    const info = new Map([[app, srcinfo('app', ['depends = served', 'depends = pending', 'depends = python'])]]);
    const checks = await checkClosure(lock, info, server([]));
    expect(checks.get(app)).toEqual({
      kind: 'gaps',
      gaps: [
        { name: 'pending', kind: 'missing', reason: 'awaiting review' },
        { name: 'served', kind: 'served', pkgname: 'served', pkgbase: 'served', version: '2-1' },
      ],
    });
    const accepted = { ...lock, missing: [{ name: 'pending', reason: 'awaiting review', requiredBy: ['app'] }] };
    expect((await checkClosure(accepted, info, server([]))).get(app)).toMatchObject({ kind: 'gaps', gaps: [{ name: 'served' }] });
  });

  it('notes an unreadable .SRCINFO, and leaves entries unchecked when the server cannot answer', async () => {
    const app = entry('app');
    const broken = entry('broken');
    const lock: LockFile = { version: 1, server: 'http://aur.test', generatedAt: '', packages: [app, broken] };
    const checks = await checkClosure(
      lock,
      new Map<LockEntry, { text: string } | { error: string }>([
        [app, srcinfo('app', ['depends = served'])],
        [broken, { error: 'the snapshot has no broken/.SRCINFO' }],
      ]),
      () => Promise.reject(new Error('HTTP 404')),
    );
    expect(checks.get(broken)).toEqual({ kind: 'unreadable', detail: 'dependencies not checked: the snapshot has no broken/.SRCINFO' });
    expect(checks.get(app)).toEqual({ kind: 'unchecked', detail: 'could not ask the server about served: HTTP 404' });
  });
});
