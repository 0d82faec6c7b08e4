import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { openDatabase } from '../db/open.js';
import { addToAllowlist, removeFromAllowlist } from '../quarantine/packages.js';
import { DbCatalog } from './catalog.js';

it('notices a removal and an addition that land between two lookups', () => {
  const db = openDatabase(path.join(mkdtempSync(path.join(os.tmpdir(), 'aurgate-catalog-')), 'test.db'));
  const catalog = new DbCatalog(db);
  addToAllowlist(db, [{ pkgname: 'first', pkgbase: 'first' }], 'test');
  addToAllowlist(db, [{ pkgname: 'second', pkgbase: 'second' }], 'test');
  expect(catalog.availability('second')).toMatchObject({ kind: 'unavailable', reason: 'awaiting-review' });
  const before = catalog.generation();
  // The newest allowlist row goes and another comes: same count, and SQLite reuses the rowid.
  removeFromAllowlist(db, ['second'], 'test');
  addToAllowlist(db, [{ pkgname: 'third', pkgbase: 'third' }], 'test');
  expect(catalog.generation()).not.toBe(before);
  expect(catalog.availability('second')).toMatchObject({ kind: 'unavailable', reason: 'not-allowlisted' });
  db.close();
});
