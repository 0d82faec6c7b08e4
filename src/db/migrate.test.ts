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

  it('upgrades a database migrated before the renumbering: renamed files are not re-run, the new 0010 is applied', () => {
    const db = openDatabase(file(), { migrate: false });
    const current = readMigrations();
    // The files as they were numbered before: maintainer_history 0009, policies_and_iocs 0010, no revision_class.
    const before = current
      .filter((migration) => migration.version < 10)
      .map((migration) =>
        migration.version < 8
          ? migration
          : { ...migration, version: migration.version + 1, name: migration.name.replace(/^\d{4}/, String(migration.version + 1).padStart(4, '0')) },
      );
    expect(before.map((migration) => migration.name).slice(-2)).toEqual(['0009_maintainer_history.sql', '0010_policies_and_iocs.sql']);
    migrate(db, before);
    // 0010 and every migration added after it; none of the renumbered ones again.
    expect(migrate(db)).toEqual(current.filter((migration) => migration.version >= 10).map((migration) => migration.version));
    const recorded = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
    expect(recorded).toEqual(current.map((migration) => ({ version: migration.version, name: migration.name })));
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
