import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './open.js';
import { migrate, readMigrations } from './migrate.js';

describe('migrations', () => {
  const file = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'aurgate-migrate-')), 'test.db');

  it('applies every numbered migration once, in order, recording each', () => {
    const db = openDatabase(file());
    const recorded = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as Array<{ version: number; name: string }>;
    const files = readMigrations();
    expect(recorded.map((row) => row.name)).toEqual(files.map((migration) => migration.name));
    expect(recorded.map((row) => row.version)).toEqual([...recorded.map((row) => row.version)].sort((a, b) => a - b));
    expect(migrate(db)).toEqual([]);
    db.close();
  });

  it('rolls back a failing migration entirely and records nothing for it', () => {
    const db = openDatabase(file(), { migrate: false });
    const broken = [{ version: 1, name: '0001_broken.sql', sql: 'CREATE TABLE a (x INTEGER); CREATE TABLE a (y INTEGER);' }];
    expect(() => migrate(db, broken)).toThrow(/migration 0001_broken.sql failed/);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'a'").get()).toBeUndefined();
    expect(db.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get()).toEqual({ n: 0 });
    db.close();
  });
});
