import { beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../db/open.js';
import { Forbidden, InvalidInput } from '../errors.js';
import type { Actor } from './actor.js';
import { unitAccount } from '../../test/support/unit-accounts.js';
import { listAudit } from './audit.js';
import { parseRequiredApprovals, policyDrift, readPolicy, seedPolicy, setRequiredApprovals } from './policy.js';

let db: Db;

const account = (name: string, role: 'admin' | 'reviewer'): Actor => unitAccount(db, name, role);

beforeEach(() => {
  db = openDatabase(':memory:');
});

describe('the decision policy', () => {
  it('is seeded once, from AURGATE_REQUIRED_APPROVALS when set, and the seed is audited', () => {
    expect(readPolicy(db)).toMatchObject({ requiredApprovals: 1, updatedAt: null });
    expect(seedPolicy(db, 2, 1000)).toMatchObject({ requiredApprovals: 2, updatedAt: 1000, updatedBy: 'seed:AURGATE_REQUIRED_APPROVALS' });
    // A second process with another value changes nothing: the database already has a policy.
    expect(seedPolicy(db, 3)).toMatchObject({ requiredApprovals: 2 });
    expect(listAudit(db, { action: 'policy' })).toMatchObject([
      { actor: 'system', channel: 'system', action: 'policy.seeded', detail: { value: 2, source: 'AURGATE_REQUIRED_APPROVALS' } },
    ]);
    const fresh = openDatabase(':memory:');
    expect(seedPolicy(fresh, undefined)).toMatchObject({ requiredApprovals: 1, updatedBy: 'seed:default' });
  });

  it('is changed by an admin only, audited with the old and the new value', () => {
    seedPolicy(db, undefined);
    expect(() => setRequiredApprovals(db, 2, account('rita', 'reviewer'))).toThrow(Forbidden);
    expect(setRequiredApprovals(db, 2, account('ada', 'admin'), 5000)).toMatchObject({
      before: 1,
      after: { requiredApprovals: 2, updatedBy: 'ada' },
    });
    expect(listAudit(db, { action: 'policy.changed' })).toMatchObject([
      { actor: 'ada', channel: 'web', detail: { setting: 'required-approvals', from: 1, to: 2 } },
    ]);
    expect(() => setRequiredApprovals(db, 0, account('alan', 'admin'))).toThrow(InvalidInput);
  });

  it('reports an environment value that disagrees with the database, and nothing when it agrees or is unset', () => {
    const policy = seedPolicy(db, 2);
    expect(policyDrift(policy, undefined)).toBeNull();
    expect(policyDrift(policy, 2)).toBeNull();
    expect(policyDrift(policy, 1)).toMatch(/AURGATE_REQUIRED_APPROVALS=1 is ignored: the database requires 2 approvals/);
  });

  it('parses the values a person types, and nothing else', () => {
    expect(parseRequiredApprovals(' 3 ')).toBe(3);
    for (const bad of ['0', '11', '2.5', 'two', '', '1e1']) expect(() => parseRequiredApprovals(bad), bad).toThrow(InvalidInput);
  });
});
