import { describe, expect, it } from 'vitest';
import { claimValues, displayNameOf, emailOf, MAX_CLAIM_VALUE_CHARS, MAX_CLAIM_VALUES, roleFor, type RoleMap } from './sso-claims.js';

const MAP: RoleMap = { admin: ['ops'], reviewer: ['packagers', 'security'], viewer: ['staff'] };

describe('roleFor', () => {
  it('gives the highest role any value maps to', () => {
    expect(roleFor(MAP, ['staff'])).toBe('viewer');
    expect(roleFor(MAP, ['staff', 'security'])).toBe('reviewer');
    expect(roleFor(MAP, ['packagers', 'ops', 'staff'])).toBe('admin');
  });

  it('gives no role when nothing maps, and compares exactly', () => {
    expect(roleFor(MAP, [])).toBeNull();
    expect(roleFor(MAP, ['Staff', 'OPS', ' staff'])).toBeNull();
  });

  it('lets one value give a role listed under several roles the highest of them', () => {
    expect(roleFor({ admin: ['x'], reviewer: ['x'], viewer: [] }, ['x'])).toBe('admin');
  });
});

describe('claimValues', () => {
  it('reads an array of strings, skipping other entries and repeats', () => {
    expect(claimValues({ groups: ['a', 7, null, 'b', 'a', { c: 1 }, ''] }, 'groups')).toEqual(['a', 'b']);
  });

  it('reads a single string as one value', () => {
    expect(claimValues({ role: 'reviewers team' }, 'role')).toEqual(['reviewers team']);
  });

  it('gives nothing for a missing claim or one of another type', () => {
    expect(claimValues({}, 'groups')).toEqual([]);
    expect(claimValues({ groups: 3 }, 'groups')).toEqual([]);
    expect(claimValues({ groups: { a: true } }, 'groups')).toEqual([]);
  });

  it('prefers a top-level claim whose name has dots, else follows the dotted path', () => {
    expect(claimValues({ 'https://example.com/roles': ['r'] }, 'https://example.com/roles')).toEqual(['r']);
    expect(claimValues({ realm_access: { roles: ['kc'] } }, 'realm_access.roles')).toEqual(['kc']);
    expect(claimValues({ realm_access: ['roles'] }, 'realm_access.roles')).toEqual([]);
    expect(claimValues({}, '__proto__.constructor')).toEqual([]);
  });

  it('is bounded in count and length', () => {
    const many = Array.from({ length: MAX_CLAIM_VALUES + 50 }, (_, index) => `g${index}`);
    expect(claimValues({ groups: many }, 'groups')).toHaveLength(MAX_CLAIM_VALUES);
    expect(claimValues({ groups: ['x'.repeat(MAX_CLAIM_VALUE_CHARS + 1), 'ok'] }, 'groups')).toEqual(['ok']);
  });
});

describe('display name and email', () => {
  it('takes name, then preferred_username, then email, then the subject', () => {
    expect(displayNameOf({ name: 'Ann Example', preferred_username: 'ann' }, 's1')).toBe('Ann Example');
    expect(displayNameOf({ name: '  ', preferred_username: 'ann' }, 's1')).toBe('ann');
    expect(displayNameOf({ email: 'ann@example.com' }, 's1')).toBe('ann@example.com');
    expect(displayNameOf({ name: 42 }, 's1')).toBe('s1');
  });

  it('strips control and format characters and clips', () => {
    expect(displayNameOf({ name: 'Ann\n\u202eevil\u0000' }, 's')).toBe('Annevil');
    expect(displayNameOf({ name: 'n'.repeat(500) }, 's')).toHaveLength(100);
  });

  it('keeps only a plausible email', () => {
    expect(emailOf({ email: 'ann@example.com' })).toBe('ann@example.com');
    expect(emailOf({ email: 'not an email' })).toBeNull();
    expect(emailOf({ email: ['ann@example.com'] })).toBeNull();
  });
});
