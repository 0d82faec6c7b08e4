import { Conflict } from '../errors.js';

export const REVISION_STATES = ['pending', 'approved', 'rejected', 'superseded', 'revoked'] as const;
export type RevisionState = (typeof REVISION_STATES)[number];

/**
 * The only allowed moves of a revision. A pending revision is decided once (or replaced by a newer
 * upstream head); an approved one can only be revoked; the other states are final.
 */
const TRANSITIONS: Readonly<Record<RevisionState, readonly RevisionState[]>> = {
  pending: ['approved', 'rejected', 'superseded'],
  approved: ['revoked'],
  rejected: [],
  superseded: [],
  revoked: [],
};

export function canTransition(from: RevisionState, to: RevisionState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: RevisionState, to: RevisionState, context: { pkgbase: string; commit: string }): void {
  if (canTransition(from, to)) return;
  const allowed = TRANSITIONS[from];
  const article = from === 'approved' ? 'an' : 'a';
  const hint = allowed.length === 0 ? `${from} is final` : `${article} ${from} revision can only become ${allowed.join(' or ')}`;
  throw new Conflict(`cannot move revision ${context.commit.slice(0, 12)} of ${context.pkgbase} from ${from} to ${to}: ${hint}`, context);
}

export function isRevisionState(value: string): value is RevisionState {
  return (REVISION_STATES as readonly string[]).includes(value);
}
