import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Busy, Conflict, InvalidInput, StorageError } from '../errors.js';
import { migrate } from './migrate.js';

export type Db = BetterSqlite3.Database;

/**
 * Opens the database the way every process must: WAL so the server reads while the CLI writes,
 * foreign keys on, and a busy timeout so short write transactions of other processes are waited for.
 */
export function openDatabase(file: string, options: { migrate?: boolean } = {}): Db {
  let db: Db;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    db = new BetterSqlite3(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 10000');
  } catch (error) {
    throw new StorageError(`cannot open database ${file}`, { cause: error });
  }
  if (options.migrate !== false) migrate(db);
  return db;
}

/** What a caller wants said when a constraint refuses its write (the table's own words otherwise). */
export interface ConstraintMessages {
  /** A UNIQUE or PRIMARY KEY constraint: the thing already exists. */
  duplicate?: string;
}

/**
 * The one place driver errors become domain errors: a duplicate is a Conflict, a broken reference or
 * check is InvalidInput, a database still locked by another process after the busy timeout is Busy,
 * anything else a StorageError. Domain errors pass through unchanged.
 */
export function domainErrorOf(error: unknown, messages: ConstraintMessages = {}): unknown {
  if (!(error instanceof BetterSqlite3.SqliteError)) return error;
  const context = { cause: error };
  if (error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
    return new Conflict(messages.duplicate ?? `already exists (${error.message})`, context);
  if (error.code.startsWith('SQLITE_CONSTRAINT')) return new InvalidInput(`refused by the database: ${error.message}`, context);
  if (error.code === 'SQLITE_BUSY') return new Busy(`the database is locked by another process: ${error.message}`, context);
  return new StorageError(`database write failed: ${error.message}`, context);
}

/**
 * Runs fn in a write transaction (BEGIN IMMEDIATE, so two processes never deadlock upgrading a read
 * lock); driver errors leave as domain errors (domainErrorOf).
 */
export function inTransaction<T>(db: Db, fn: () => T, messages: ConstraintMessages = {}): T {
  try {
    return db.transaction(fn).immediate();
  } catch (error) {
    throw domainErrorOf(error, messages);
  }
}

/** SQLite's own integrity check; throws when the file is damaged. */
export function assertIntegrity(db: Db): void {
  const result: unknown = db.pragma('integrity_check', { simple: true });
  if (result !== 'ok') throw new StorageError(`the database fails its integrity check: ${String(result)}`);
}

/**
 * A cheap test, for caches in front of the database, of whether anything was committed since its last
 * call, by this connection (`total_changes()`) or by another process (`PRAGMA data_version`).
 */
export function commitWatcher(db: Db): () => boolean {
  const dataVersion = db.prepare('PRAGMA data_version').pluck();
  const changes = db.prepare('SELECT total_changes()').pluck();
  let seen = '';
  return () => {
    const now = `${String(dataVersion.get())}:${String(changes.get())}`;
    if (now === seen) return false;
    seen = now;
    return true;
  };
}
