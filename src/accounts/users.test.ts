import { expect, it } from 'vitest';
import { openDatabase } from '../db/open.js';
import { Forbidden } from '../errors.js';
import { findUserByName, normalizeUserName, requireAccount } from './users.js';

it('compares user names in one normalised form: REV1 and " rev1 " are the account rev1', () => {
  const db = openDatabase(':memory:');
  db.prepare("INSERT INTO users (name, role, password_hash, created_at, created_by) VALUES ('rev1', 'reviewer', 'x', 0, 'test')").run();
  expect(normalizeUserName('  REV1 ')).toBe('rev1');
  expect(findUserByName(db, 'REV1')?.name).toBe('rev1');
  expect(findUserByName(db, ' rev1\t')?.name).toBe('rev1');
  expect(findUserByName(db, 'rev2')).toBeNull();
});

it('requires an enabled account with a role that reaches the need', () => {
  const db = openDatabase(':memory:');
  const insert = db.prepare("INSERT INTO users (name, role, password_hash, created_at, created_by, disabled_at) VALUES (?, ?, 'x', 0, 'test', ?)");
  const viewer = Number(insert.run('vic', 'viewer', null).lastInsertRowid);
  const disabled = Number(insert.run('old', 'admin', 5).lastInsertRowid);
  const reviewer = Number(insert.run('rita', 'reviewer', null).lastInsertRowid);
  expect(() => requireAccount(db, viewer, 'review', 'approving')).toThrow(Forbidden);
  expect(() => requireAccount(db, disabled, 'review', 'approving')).toThrow(/old is disabled/);
  expect(() => requireAccount(db, reviewer, 'admin', 'revoking')).toThrow(/revoking needs the admin permission/);
  expect(requireAccount(db, reviewer, 'review', 'approving')).toMatchObject({ name: 'rita', role: 'reviewer' });
});
