import { describe, expect, it } from 'vitest';
import { DependencyCycle } from '../errors.js';
import { resolveClosure, type ServedNode } from './closure.js';

function node(pkgname: string, dependencies: string[] = [], extra: Partial<ServedNode> = {}): ServedNode {
  return { pkgname, pkgbase: pkgname, dependencies, provides: [], ...extra };
}

const NOT_AUR = (): null => null;

function lock(roots: string[], served: ServedNode[], missingReason: (name: string) => string | null = NOT_AUR) {
  const byName = new Map(served.map((entry) => [entry.pkgname, entry]));
  return resolveClosure({
    roots: roots.map((pkgname) => ({ pkgname, pkgbase: byName.get(pkgname)?.pkgbase ?? pkgname })),
    served,
    missingReason,
  });
}

const names = (closure: ReturnType<typeof lock>): string[] => closure.entries.map((entry) => entry.pkgname);

describe('resolveClosure', () => {
  it('puts a dependency before its dependent and records who needs what', () => {
    const closure = lock(['app'], [node('app', ['lib', 'glibc']), node('lib')]);
    expect(closure.entries).toEqual([
      { pkgname: 'lib', pkgbase: 'lib', requested: false, dependencies: [], requiredBy: ['app'] },
      { pkgname: 'app', pkgbase: 'app', requested: true, dependencies: ['lib'], requiredBy: [] },
    ]);
    expect(closure.missing).toEqual([]);
  });

  it('follows depends, makedepends and checkdepends transitively and strips version conditions', () => {
    const closure = lock(['app'], [node('app', ['mid>=2.0', 'tool<3']), node('mid', ['base=1:1.0-1']), node('tool'), node('base')]);
    expect(names(closure)).toEqual(['base', 'mid', 'tool', 'app']);
  });

  it('locks a diamond once, with both dependents named', () => {
    const closure = lock(['top'], [node('top', ['left', 'right']), node('left', ['bottom']), node('right', ['bottom']), node('bottom')]);
    expect(names(closure)).toEqual(['bottom', 'left', 'right', 'top']);
    expect(closure.entries[0]?.requiredBy).toEqual(['left', 'right']);
  });

  it('keeps the given order of independent packages and is the same whatever order the catalog lists', () => {
    const served = [node('b', ['shared']), node('a', ['shared']), node('shared')];
    expect(names(lock(['b', 'a'], served))).toEqual(['shared', 'b', 'a']);
    expect(names(lock(['b', 'a'], [...served].reverse()))).toEqual(['shared', 'b', 'a']);
  });

  it('moves a named dependency before the package that needs it', () => {
    expect(names(lock(['app', 'lib'], [node('app', ['lib']), node('lib')]))).toEqual(['lib', 'app']);
  });

  it('maps a split package to its pkgbase: one build, adjacent entries, a sibling dependency is not an edge', () => {
    const served = [
      node('suite-cli', ['suite-lib', 'codec'], { pkgbase: 'suite' }),
      node('suite-lib', [], { pkgbase: 'suite' }),
      node('player', ['suite-lib']),
      node('codec'),
    ];
    const closure = lock(['player', 'suite-cli'], served);
    expect(closure.entries.map((entry) => [entry.pkgname, entry.pkgbase, entry.requested])).toEqual([
      ['codec', 'codec', false],
      ['suite-cli', 'suite', true],
      ['suite-lib', 'suite', false],
      ['player', 'player', true],
    ]);
    expect(closure.entries[1]?.dependencies).toEqual(['codec']);
    expect(closure.entries[3]?.dependencies).toEqual(['suite-lib']);
  });

  it("counts another package's provides, preferring a named provider, else the first by name", () => {
    const served = [node('app', ['libfoo>=2']), node('foo-git', [], { provides: ['libfoo=2.1'] }), node('foo-bin', [], { provides: ['libfoo'] })];
    expect(names(lock(['app'], served))).toEqual(['foo-bin', 'app']);
    expect(names(lock(['app', 'foo-git'], served))).toEqual(['foo-git', 'app']);
    // A real package of that name wins over providers.
    expect(names(lock(['app'], [...served, node('libfoo')]))).toEqual(['libfoo', 'app']);
  });

  it('needs nothing else for what a package provides itself', () => {
    const closure = lock(['app'], [node('app', ['app-data'], { provides: ['app-data'] })], () => 'not on the allowlist');
    expect(names(closure)).toEqual(['app']);
    expect(closure.missing).toEqual([]);
  });

  it('reports every AUR package that is not served with its reason and dependents, and ignores the rest', () => {
    const reasons: Record<string, string> = { pending: 'awaiting review', unlisted: 'not on the allowlist' };
    const closure = lock(
      ['app', 'other'],
      [node('app', ['pending', 'unlisted', 'python']), node('other', ['pending'])],
      (name) => reasons[name] ?? null,
    );
    expect(names(closure)).toEqual(['app', 'other']);
    expect(closure.missing).toEqual([
      { name: 'pending', reason: 'awaiting review', requiredBy: ['app', 'other'] },
      { name: 'unlisted', reason: 'not on the allowlist', requiredBy: ['app'] },
    ]);
  });

  it('names the cycle', () => {
    const served = [node('app', ['a']), node('a', ['b']), node('b', ['c']), node('c', ['a'])];
    expect(() => lock(['app'], served)).toThrow(DependencyCycle);
    expect(() => lock(['app'], served)).toThrow('dependency cycle a -> b -> c -> a');
    expect(() => lock(['self'], [node('self-cli', ['self-lib'], { pkgbase: 'self' }), node('self-lib', [], { pkgbase: 'self' })])).not.toThrow();
  });

  it('ignores sonames and other relations that are not package names', () => {
    expect(names(lock(['app'], [node('app', ['libfoo.so=1-64', 'sh'])]))).toEqual(['app']);
  });
});
