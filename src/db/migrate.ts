import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type BetterSqlite3 from 'better-sqlite3';
import { StorageError } from '../errors.js';

const MIGRATION_FILE = /^(\d{4})_[a-z0-9_]+\.sql$/;

/** migrations/ sits at the repository root, both beside src/ and beside dist/src/. */
export function migrationsDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i += 1) {
    const candidate = path.join(dir, 'migrations');
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new StorageError('cannot find the migrations/ folder');
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function readMigrations(dir = migrationsDir()): Migration[] {
  return readdirSync(dir)
    .filter((file) => MIGRATION_FILE.test(file))
    .sort()
    .map((file) => ({ version: Number(file.slice(0, 4)), name: file, sql: readFileSync(path.join(dir, file), 'utf8') }));
}

/**
 * Applies every migration not yet recorded, each in its own IMMEDIATE transaction together with its
 * record, so a crash leaves either all of a migration or none, and two processes starting at once
 * apply each migration exactly once.
 */
export function migrate(db: BetterSqlite3.Database, migrations = readMigrations()): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  renumberRecords(db, migrations);
  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?');
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const applied: number[] = [];
  for (const migration of migrations) {
    const apply = db.transaction(() => {
      if (isApplied.get(migration.version)) return false;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
      return true;
    });
    try {
      if (apply.immediate()) applied.push(migration.version);
    } catch (error) {
      throw new StorageError(`migration ${migration.name} failed`, { cause: error });
    }
  }
  return applied;
}

/** The newest migration applied to a database (0 for an empty one). */
export function schemaVersion(db: BetterSqlite3.Database): number {
  return (db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations').get() as { v: number }).v;
}

/** A migration's name without its number: what identifies it across a renumbering. */
const unnumbered = (name: string): string => name.replace(/^\d{4}_/, '');

/**
 * Migration files were renumbered once to close a gap (0009_maintainer_history.sql became 0008, 0010 became
 * 0009, and the next new one took 0010). A database migrated before that records the old numbers, so by
 * number alone 0008 would run a second time and the new 0010 would be skipped. Records are matched to files
 * by name without the number and moved to the current numbers first, in one transaction.
 */
function renumberRecords(db: BetterSqlite3.Database, migrations: readonly Migration[]): void {
  const byName = new Map(migrations.map((migration) => [unnumbered(migration.name), migration]));
  const renumber = db.transaction(() => {
    const rows = db.prepare('SELECT version, name FROM schema_migrations').all() as Array<{ version: number; name: string }>;
    const moves = rows.flatMap((row) => {
      const current = byName.get(unnumbered(row.name));
      return current && current.version !== row.version ? [{ from: row.version, to: current.version, name: current.name }] : [];
    });
    // Through negative numbers: a record may move to a number another record is leaving.
    const park = db.prepare('UPDATE schema_migrations SET version = -version WHERE version = ?');
    const place = db.prepare('UPDATE schema_migrations SET version = ?, name = ? WHERE version = ?');
    for (const move of moves) park.run(move.from);
    for (const move of moves) place.run(move.to, move.name, -move.from);
  });
  try {
    renumber.immediate();
  } catch (error) {
    throw new StorageError('cannot match the recorded migrations to the renumbered files', { cause: error });
  }
}
