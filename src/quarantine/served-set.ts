import type { Db } from '../db/open.js';

/**
 * A number that grows whenever what is served may have changed: an allowlist change, an approval, a
 * revocation (migrations/0006 keeps it with triggers, so no write path can forget it). Any process's
 * cache of the served set compares it; another process may decide at any time.
 */
export function servedSetReader(db: Db): () => number {
  const statement = db.prepare('SELECT version FROM served_set_version WHERE id = 1').pluck();
  return () => statement.get() as number;
}
