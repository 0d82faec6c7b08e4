import type { Db } from '../db/open.js';
import { inTransaction } from '../db/open.js';
import { appendAudit } from './audit.js';
import { freezeOf, type PolicyRule } from './auto-policy.js';
import { getPendingRevision, transitionRevision, type Revision } from './revisions.js';

/** The actor name of a decision a rule made: the audit log says which rule, never a person. */
export const policyActor = (rule: PolicyRule): string => `policy:${rule.kind}#${rule.id}`;

/**
 * Approves a pending revision on behalf of a cooldown rule, in one transaction that checks again that
 * exactly this commit is still pending and that no freeze holds the package. Audited as
 * `policy.auto-approved` on the system channel with everything the rule checked. Returns the approved
 * revision, or null when the state moved on meanwhile (another process decided, upstream moved).
 */
export function approveByPolicy(db: Db, revision: Revision, rule: PolicyRule, checked: Record<string, unknown>, now = Date.now()): Revision | null {
  return inTransaction(db, () => {
    const pending = getPendingRevision(db, revision.pkgbase);
    if (!pending || pending.commit !== revision.commit || freezeOf(db, revision.pkgbase)) return null;
    const note = `approved by the cooldown policy ${rule.pattern} (${rule.hours ?? '?'} h): routine update, unchanged maintainer, no flag above low`;
    const approved = transitionRevision(db, pending, 'approved', { by: policyActor(rule), note, at: now });
    appendAudit(
      db,
      {
        actor: policyActor(rule),
        channel: 'system',
        action: 'policy.auto-approved',
        pkgbase: pending.pkgbase,
        commit: pending.commit,
        detail: {
          rule: { id: rule.id, kind: rule.kind, pattern: rule.pattern, hours: rule.hours, by: rule.createdBy },
          version: pending.version,
          ...checked,
        },
      },
      now,
    );
    return approved;
  });
}
