import { requireAccount } from '../accounts/users.js';
import type { Db } from '../db/open.js';
import { inTransaction } from '../db/open.js';
import { InvalidInput, NotFound } from '../errors.js';
import type { IocEntryInput, IocKind } from '../review/ioc.js';
import type { Actor } from './actor.js';
import { appendAudit } from './audit.js';

export interface IocEntry extends IocEntryInput {
  id: number;
  list: string;
  addedAt: number;
  addedBy: string;
}

interface EntryRow {
  id: number;
  list: string;
  kind: IocKind;
  value: string;
  added_at: number;
  added_by: string;
}

const toEntry = (row: EntryRow): IocEntry => ({
  id: row.id,
  list: row.list,
  kind: row.kind,
  value: row.value,
  addedAt: row.added_at,
  addedBy: row.added_by,
});

export function parseListName(value: string): string {
  const name = value.trim();
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name))
    throw new InvalidInput(`a list name is 1 to 64 of [A-Za-z0-9._-], got ${JSON.stringify(value.slice(0, 40))}`);
  return name;
}

export function listIocEntries(db: Db): IocEntry[] {
  return (db.prepare('SELECT * FROM ioc_entries ORDER BY list, kind, value').all() as EntryRow[]).map(toEntry);
}

/** Adds a parsed list's entries under a list name (existing ones are kept once); audited with the source. */
export function addIocEntries(
  db: Db,
  list: string,
  entries: readonly IocEntryInput[],
  source: string,
  by: Actor,
  now = Date.now(),
): { added: IocEntry[]; known: number } {
  const name = parseListName(list);
  return inTransaction(db, () => {
    const account = requireAccount(db, by.user.id, 'admin', 'importing IOC lists');
    const insert = db.prepare('INSERT OR IGNORE INTO ioc_entries (list, kind, value, added_at, added_by) VALUES (?, ?, ?, ?, ?)');
    const ids: number[] = [];
    for (const entry of entries) {
      const result = insert.run(name, entry.kind, entry.value, now, account.name);
      if (result.changes === 1) ids.push(Number(result.lastInsertRowid));
    }
    appendAudit(
      db,
      {
        actor: account.name,
        channel: by.channel,
        action: 'ioc.imported',
        detail: { list: name, source: source.slice(0, 300), added: ids.length, known: entries.length - ids.length },
      },
      now,
    );
    const added = listIocEntries(db).filter((entry) => ids.includes(entry.id));
    return { added, known: entries.length - ids.length };
  });
}

/** Removes one entry, or a whole list when `id` is null; audited. */
export function removeIocEntries(db: Db, target: { id: number } | { list: string }, by: Actor, now = Date.now()): number {
  return inTransaction(db, () => {
    const account = requireAccount(db, by.user.id, 'admin', 'changing IOC lists');
    const result =
      'id' in target
        ? db.prepare('DELETE FROM ioc_entries WHERE id = ?').run(target.id)
        : db.prepare('DELETE FROM ioc_entries WHERE list = ?').run(parseListName(target.list));
    if (result.changes === 0) throw new NotFound('id' in target ? `no IOC entry ${target.id}` : `no IOC list ${target.list}`);
    appendAudit(db, { actor: account.name, channel: by.channel, action: 'ioc.removed', detail: { ...target, removed: result.changes } }, now);
    return result.changes;
  });
}
