import { requireAccount } from '../accounts/users.js';
import type { Db } from '../db/open.js';
import { inTransaction } from '../db/open.js';
import { Conflict, InvalidInput, NotFound } from '../errors.js';
import type { Actor } from './actor.js';
import { appendAudit } from './audit.js';

/**
 * Opt-in automatic policies (off until an admin adds a rule): cooldown auto-approval of routine
 * updates, and the emergency freeze. Rules name a package base or a glob of them.
 */
export type PolicyKind = 'cooldown' | 'freeze';

export interface PolicyRule {
  id: number;
  kind: PolicyKind;
  pattern: string;
  /** Cooldown only: hours a revision waits after it was recorded. */
  hours: number | null;
  note: string | null;
  createdAt: number;
  createdBy: string;
}

interface RuleRow {
  id: number;
  kind: PolicyKind;
  pattern: string;
  hours: number | null;
  note: string | null;
  created_at: number;
  created_by: string;
}

export const MAX_PATTERN_LENGTH = 100;
export const MAX_COOLDOWN_HOURS = 8760;
const PATTERN = /^[a-z0-9.+_*?-]+$/;

const toRule = (row: RuleRow): PolicyRule => ({
  id: row.id,
  kind: row.kind,
  pattern: row.pattern,
  hours: row.hours,
  note: row.note,
  createdAt: row.created_at,
  createdBy: row.created_by,
});

export function parsePattern(value: string): string {
  const pattern = value.trim();
  if (pattern.length === 0 || pattern.length > MAX_PATTERN_LENGTH || !PATTERN.test(pattern))
    throw new InvalidInput(
      `a policy pattern is a package base or a glob of one ([a-z0-9.+_-] with * and ?, at most ${MAX_PATTERN_LENGTH} characters), got ${JSON.stringify(value.slice(0, 40))}`,
    );
  return pattern;
}

export function parseCooldownHours(value: string | number): number {
  const hours = typeof value === 'number' ? value : /^\s*\d{1,4}\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(hours) || hours < 1 || hours > MAX_COOLDOWN_HOURS)
    throw new InvalidInput(
      `cooldown hours must be a whole number from 1 to ${MAX_COOLDOWN_HOURS}, got ${JSON.stringify(String(value).slice(0, 20))}`,
    );
  return hours;
}

/**
 * Glob matching of `*` (any run) and `?` (one character). Hand-written rather than a RegExp built
 * from the pattern: the classic two-pointer walk is linear-time per star, so no pattern an admin
 * types can make matching slow.
 */
export function globMatches(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let star = -1;
  let resume = 0;
  while (n < name.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === name[n])) {
      p += 1;
      n += 1;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p;
      resume = n;
      p += 1;
    } else if (star >= 0) {
      p = star + 1;
      resume += 1;
      n = resume;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p += 1;
  return p === pattern.length;
}

export function listPolicyRules(db: Db): PolicyRule[] {
  return (db.prepare('SELECT * FROM automatic_policies ORDER BY kind, pattern').all() as RuleRow[]).map(toRule);
}

/** The freeze rule holding a package, if any. */
export function freezeOf(db: Db, pkgbase: string): PolicyRule | null {
  return listPolicyRules(db).find((rule) => rule.kind === 'freeze' && globMatches(rule.pattern, pkgbase)) ?? null;
}

/** The cooldown that applies to a package: of several matching rules, the longest wait (the most careful). */
export function cooldownOf(db: Db, pkgbase: string): PolicyRule | null {
  const matching = listPolicyRules(db).filter((rule) => rule.kind === 'cooldown' && globMatches(rule.pattern, pkgbase));
  return matching.sort((a, b) => (b.hours ?? 0) - (a.hours ?? 0))[0] ?? null;
}

/** Refuses any approval of a frozen package (called inside the approval's transaction). */
export function assertNotFrozen(db: Db, pkgbase: string): void {
  const freeze = freezeOf(db, pkgbase);
  if (!freeze) return;
  throw new Conflict(
    `${pkgbase} is frozen (rule ${freeze.pattern} by ${freeze.createdBy} at ${new Date(freeze.createdAt).toISOString()}${freeze.note ? `: ${freeze.note}` : ''}): ` +
      `no approval is recorded while serving holds at the current approvals; an admin lifts it with \`aurgate policy unfreeze ${freeze.pattern}\``,
    { pkgbase },
  );
}

/** An admin adds (or changes the hours of) a cooldown rule, or adds a freeze; audited. */
export function addPolicyRule(
  db: Db,
  rule: { kind: PolicyKind; pattern: string; hours?: number | null; note?: string | null },
  by: Actor,
  now = Date.now(),
): PolicyRule {
  const pattern = parsePattern(rule.pattern);
  const hours = rule.kind === 'cooldown' ? parseCooldownHours(rule.hours ?? NaN) : null;
  const note = rule.note?.trim().slice(0, 2000) || null;
  if (rule.kind === 'freeze' && !note) throw new InvalidInput('a reason is required to freeze');
  return inTransaction(db, () => {
    const account = requireAccount(db, by.user.id, 'admin', rule.kind === 'freeze' ? 'freezing' : 'changing the automatic policies');
    const before = listPolicyRules(db).find((known) => known.kind === rule.kind && known.pattern === pattern) ?? null;
    db.prepare(
      `INSERT INTO automatic_policies (kind, pattern, hours, note, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (kind, pattern) DO UPDATE SET hours = excluded.hours, note = excluded.note, created_at = excluded.created_at, created_by = excluded.created_by`,
    ).run(rule.kind, pattern, hours, note, now, account.name);
    const action = rule.kind === 'freeze' ? 'policy.frozen' : 'policy.rule-added';
    appendAudit(
      db,
      { actor: account.name, channel: by.channel, action, detail: { kind: rule.kind, pattern, hours, note, before: before?.hours ?? null } },
      now,
    );
    const added = listPolicyRules(db).find((known) => known.kind === rule.kind && known.pattern === pattern);
    if (!added) throw new Error('the rule just written is missing');
    return added;
  });
}

/** An admin removes a rule (a freeze: lifts it); audited. */
export function removePolicyRule(db: Db, target: { kind: PolicyKind; pattern: string }, by: Actor, now = Date.now()): PolicyRule {
  const pattern = parsePattern(target.pattern);
  return inTransaction(db, () => {
    const account = requireAccount(db, by.user.id, 'admin', target.kind === 'freeze' ? 'lifting a freeze' : 'changing the automatic policies');
    const rule = listPolicyRules(db).find((known) => known.kind === target.kind && known.pattern === pattern);
    if (!rule) throw new NotFound(`no ${target.kind} rule for ${pattern}`);
    db.prepare('DELETE FROM automatic_policies WHERE id = ?').run(rule.id);
    const action = rule.kind === 'freeze' ? 'policy.unfrozen' : 'policy.rule-removed';
    appendAudit(db, { actor: account.name, channel: by.channel, action, detail: { kind: rule.kind, pattern, hours: rule.hours } }, now);
    return rule;
  });
}
