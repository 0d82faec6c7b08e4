import { requireAccount } from '../accounts/users.js';
import type { Db } from '../db/open.js';
import { inTransaction } from '../db/open.js';
import { InvalidInput } from '../errors.js';
import type { Actor } from './actor.js';
import { appendAudit } from './audit.js';

/**
 * The decision policy is one fact in the database, not a per-process setting: every process (server,
 * CLI, a second server) reads it inside the transaction of each decision, so they all decide alike.
 */
export interface DecisionPolicy {
  /** Distinct accounts that must approve a revision before it is served (the two-person rule at 2). */
  requiredApprovals: number;
  /** When and by whom it was last set; null before the database was seeded. */
  updatedAt: number | null;
  updatedBy: string | null;
}

export const DEFAULT_REQUIRED_APPROVALS = 1;
export const MAX_REQUIRED_APPROVALS = 10;
const ENV_NAME = 'AURGATE_REQUIRED_APPROVALS';

interface PolicyRow {
  required_approvals: number;
  updated_at: number;
  updated_by: string;
}

export function readPolicy(db: Db): DecisionPolicy {
  const row = db.prepare('SELECT required_approvals, updated_at, updated_by FROM decision_policy WHERE id = 1').get() as PolicyRow | undefined;
  return row
    ? { requiredApprovals: row.required_approvals, updatedAt: row.updated_at, updatedBy: row.updated_by }
    : { requiredApprovals: DEFAULT_REQUIRED_APPROVALS, updatedAt: null, updatedBy: null };
}

export function parseRequiredApprovals(value: string | number): number {
  const number = typeof value === 'number' ? value : /^\s*\d{1,3}\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(number) || number < 1 || number > MAX_REQUIRED_APPROVALS) {
    throw new InvalidInput(
      `required approvals must be a whole number from 1 to ${MAX_REQUIRED_APPROVALS}, got ${JSON.stringify(String(value).slice(0, 20))}`,
    );
  }
  return number;
}

/**
 * Writes the policy of a database that has none yet: from AURGATE_REQUIRED_APPROVALS when set, else
 * the default. Audited as a seed. Returns the policy now in force; a database that has one keeps it.
 */
export function seedPolicy(db: Db, fromEnvironment: number | undefined, now = Date.now()): DecisionPolicy {
  const existing = readPolicy(db);
  if (existing.updatedAt !== null) return existing;
  return inTransaction(db, () => {
    const value = fromEnvironment ?? DEFAULT_REQUIRED_APPROVALS;
    const source = fromEnvironment === undefined ? 'default' : ENV_NAME;
    const inserted = db
      .prepare('INSERT OR IGNORE INTO decision_policy (id, required_approvals, updated_at, updated_by) VALUES (1, ?, ?, ?)')
      .run(value, now, `seed:${source}`);
    // Another process starting at the same moment may have seeded it first: one seed, one audit row.
    if (inserted.changes === 1) {
      appendAudit(db, { actor: 'system', channel: 'system', action: 'policy.seeded', detail: { setting: 'required-approvals', value, source } }, now);
    }
    return readPolicy(db);
  });
}

/** An admin sets the number of required approvals; audited with the old and the new value. */
export function setRequiredApprovals(db: Db, value: number, by: Actor, now = Date.now()): { before: number; after: DecisionPolicy } {
  const wanted = parseRequiredApprovals(value);
  return inTransaction(db, () => {
    const account = requireAccount(db, by.user.id, 'admin', 'changing the decision policy');
    const current = readPolicy(db);
    const before = current.requiredApprovals;
    // Setting the value in force changes nothing and writes no audit row.
    if (before === wanted && current.updatedAt !== null) return { before, after: current };
    db.prepare(
      `INSERT INTO decision_policy (id, required_approvals, updated_at, updated_by) VALUES (1, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET required_approvals = excluded.required_approvals, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
    ).run(wanted, now, account.name);
    appendAudit(
      db,
      { actor: account.name, channel: by.channel, action: 'policy.changed', detail: { setting: 'required-approvals', from: before, to: wanted } },
      now,
    );
    return { before, after: readPolicy(db) };
  });
}

/**
 * The warning every process gives when AURGATE_REQUIRED_APPROVALS is set and disagrees with the
 * database: the variable is only a seed for a new database, never applied over the stored policy.
 */
export function policyDrift(policy: DecisionPolicy, fromEnvironment: number | undefined): string | null {
  if (fromEnvironment === undefined || fromEnvironment === policy.requiredApprovals) return null;
  return (
    `${ENV_NAME}=${fromEnvironment} is ignored: the database requires ${policy.requiredApprovals} approval${policy.requiredApprovals === 1 ? '' : 's'} ` +
    `(the variable only seeds a new database; change the policy with \`aurgate policy set required-approvals N\` or on the admin's Policy page)`
  );
}
