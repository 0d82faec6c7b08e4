import { expect, it } from 'vitest';
import { Busy, Conflict, InvalidInput, StorageError } from '../errors.js';
import { inTransaction, openDatabase } from './open.js';

function memoryDb() {
  const db = openDatabase(':memory:', { migrate: false });
  db.exec('CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE CHECK (length(name) < 10))');
  db.exec('CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent (id))');
  return db;
}

it('maps constraint failures to domain errors at the database edge', () => {
  const db = memoryDb();
  inTransaction(db, () => db.prepare("INSERT INTO parent (name) VALUES ('alice')").run());
  expect(() => inTransaction(db, () => db.prepare("INSERT INTO parent (name) VALUES ('alice')").run(), { duplicate: 'alice exists' })).toThrow(
    new Conflict('alice exists'),
  );
  expect(() => inTransaction(db, () => db.prepare('INSERT INTO parent (id, name) VALUES (1, ?)').run('bob'))).toThrow(Conflict);
  expect(() => inTransaction(db, () => db.prepare('INSERT INTO child (parent_id) VALUES (99)').run())).toThrow(InvalidInput);
  expect(() => inTransaction(db, () => db.prepare("INSERT INTO parent (name) VALUES ('far too long a name')").run())).toThrow(InvalidInput);
  expect(() => inTransaction(db, () => db.prepare('INSERT INTO nowhere VALUES (1)').run())).toThrow(StorageError);
  db.close();
});

it('lets domain errors through unchanged', () => {
  const db = memoryDb();
  const error = new Busy('held');
  expect(() =>
    inTransaction(db, () => {
      throw error;
    }),
  ).toThrow(error);
  db.close();
});
