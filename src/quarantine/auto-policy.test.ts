import { beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../db/open.js';
import { Conflict, Forbidden, InvalidInput, NotFound } from '../errors.js';
import type { Actor } from './actor.js';
import { unitAccount } from '../../test/support/unit-accounts.js';
import { listAudit } from './audit.js';
import { addPolicyRule, assertNotFrozen, cooldownOf, freezeOf, globMatches, listPolicyRules, parsePattern, removePolicyRule } from './auto-policy.js';

let db: Db;

const account = (name: string, role: 'admin' | 'reviewer'): Actor => unitAccount(db, name, role);

beforeEach(() => {
  db = openDatabase(':memory:');
});

describe('globs', () => {
  it.each([
    ['*', 'anything', true],
    ['python-*', 'python-requests', true],
    ['python-*', 'python', false],
    ['*-bin', 'foo-bin', true],
    ['*-bin', 'foo-bin-git', false],
    ['f?o', 'foo', true],
    ['f?o', 'fo', false],
    ['a*b*c', 'a-x-b-y-c', true],
    ['a*b*c', 'a-x-c-y-b', false],
    ['exact', 'exact', true],
    ['exact', 'exactly', false],
  ])('%s matches %s: %s', (pattern, name, expected) => {
    expect(globMatches(pattern, name)).toBe(expected);
  });

  it('a pattern of many stars against a long name is answered (the walk is O(pattern × name), never exponential)', () => {
    expect(globMatches(`${'*a'.repeat(49)}*b`, 'a'.repeat(255))).toBe(false);
    expect(globMatches(`${'*a'.repeat(49)}*`, 'a'.repeat(255))).toBe(true);
  });

  it('patterns are package-name characters with * and ?, bounded', () => {
    expect(parsePattern(' python-* ')).toBe('python-*');
    for (const bad of ['', 'a b', '../x', 'x'.repeat(101), 'A[b]', '(a|b)']) expect(() => parsePattern(bad)).toThrow(InvalidInput);
  });
});

describe('rules', () => {
  it('admins add and remove rules, each change audited as a policy change on its channel', () => {
    const ada = account('ada', 'admin');
    addPolicyRule(db, { kind: 'cooldown', pattern: 'python-*', hours: 48 }, ada, 1000);
    addPolicyRule(db, { kind: 'cooldown', pattern: 'python-requests', hours: 72 }, ada, 1001);
    addPolicyRule(db, { kind: 'freeze', pattern: '*-bin', note: 'incident 42' }, ada, 1002);
    expect(cooldownOf(db, 'python-requests')).toMatchObject({ pattern: 'python-requests', hours: 72 });
    expect(cooldownOf(db, 'python-six')).toMatchObject({ pattern: 'python-*', hours: 48 });
    expect(cooldownOf(db, 'vim')).toBeNull();
    expect(freezeOf(db, 'foo-bin')).toMatchObject({ pattern: '*-bin', note: 'incident 42', createdBy: 'ada' });
    expect(() => assertNotFrozen(db, 'foo-bin')).toThrow(Conflict);
    expect(() => assertNotFrozen(db, 'foo')).not.toThrow();
    removePolicyRule(db, { kind: 'freeze', pattern: '*-bin' }, ada, 1003);
    expect(freezeOf(db, 'foo-bin')).toBeNull();
    expect(() => removePolicyRule(db, { kind: 'freeze', pattern: '*-bin' }, ada)).toThrow(NotFound);
    expect(listAudit(db, { action: 'policy' }).map((entry) => [entry.action, entry.actor, entry.channel, entry.detail?.['pattern']])).toEqual([
      ['policy.unfrozen', 'ada', 'web', '*-bin'],
      ['policy.frozen', 'ada', 'web', '*-bin'],
      ['policy.rule-added', 'ada', 'web', 'python-requests'],
      ['policy.rule-added', 'ada', 'web', 'python-*'],
    ]);
  });

  it('reviewers cannot set policies; a freeze needs a reason and a cooldown valid hours', () => {
    const rita = account('rita', 'reviewer');
    const ada = account('ada', 'admin');
    expect(() => addPolicyRule(db, { kind: 'freeze', pattern: '*', note: 'x' }, rita)).toThrow(Forbidden);
    expect(() => addPolicyRule(db, { kind: 'freeze', pattern: '*', note: ' ' }, ada)).toThrow(/reason is required/);
    expect(() => addPolicyRule(db, { kind: 'cooldown', pattern: '*', hours: 0 }, ada)).toThrow(InvalidInput);
    expect(listPolicyRules(db)).toEqual([]);
    expect(listAudit(db, { action: 'policy' })).toEqual([]);
  });
});
