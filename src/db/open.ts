import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { StorageError } from '../errors.js';
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

/**
 * Runs fn in a write transaction (BEGIN IMMEDIATE, so two processes never deadlock upgrading a read
 * lock). Driver errors are wrapped here; domain errors pass through unchanged.
 */
export function inTransaction<T>(db: Db, fn: () => T): T {
  try {
    return db.transaction(fn).immediate();
  } catch (error) {
    if (error instanceof BetterSqlite3.SqliteError) throw new StorageError(`database write failed: ${error.message}`, { cause: error });
    throw error;
  }
}
