import { assertLogged, verifyAttestation } from '../trust/attestation.js';
import type { SignedCheckpoint } from '../trust/checkpoint.js';
import { TamperedError } from '../trust/errors.js';
import { MemoryTree } from '../trust/merkle.js';
import type { VerifierState } from '../trust/verifier-state.js';
import type { RemoteLog } from './log-client.js';

/** One decision read from a remote log, after its signature and its place in the signed tree were checked. */
export interface WatchedDecision {
  index: number;
  decision: 'approved' | 'revoked';
  pkgbase: string;
  commit: string;
  version: string | null;
  decidedAt: string;
  /** The reviewers of an approval, or who revoked. */
  by: string[];
  reason: string | null;
}

export interface WatchRound {
  checkpoint: SignedCheckpoint;
  previous: VerifierState | null;
  decisions: WatchedDecision[];
}

/**
 * One look at a remote log, as a witness: the checkpoint must be signed by a pinned key and extend the
 * last one this machine saw (else rollback or fork, exit code 8); every entry appended since is read
 * from the entry tiles, proven to be in the signed tree and its signature checked, then reported. The
 * state file advances only when all of that held, so a failed round is repeated in full next time.
 */
export async function watchOnce(log: RemoteLog, stateFile: string): Promise<WatchRound> {
  const checkpoint = await log.checkpoint();
  let decisions: WatchedDecision[] = [];
  const { previous } = await log.advance(stateFile, checkpoint, async (seen) => {
    decisions = await newDecisions(log, checkpoint, seen?.size ?? 0);
  });
  return { checkpoint, previous, decisions };
}

async function newDecisions(log: RemoteLog, checkpoint: SignedCheckpoint, from: number): Promise<WatchedDecision[]> {
  if (from >= checkpoint.size) return [];
  const entries = await log.entries(from, checkpoint.size, checkpoint.size);
  if (from === 0) {
    // The whole log: rebuilding the tree proves every entry at once (one root instead of n proofs).
    const tree = new MemoryTree();
    for (const entry of entries) tree.append(entry);
    if (!tree.root().equals(checkpoint.rootHash))
      throw new TamperedError('not-included', `the log's entries do not hash to the signed root of ${checkpoint.size} entries`);
  } else {
    for (const [offset, entry] of entries.entries()) {
      const index = from + offset;
      assertLogged(entry, index, await log.inclusionProof(index, checkpoint.size), checkpoint, `log entry ${index}`);
    }
  }
  return entries.map((entry, offset) => {
    const { predicate, subject } = verifyAttestation(entry, log.pinned.dsse);
    return {
      index: from + offset,
      decision: predicate.decision,
      pkgbase: predicate.pkgbase,
      commit: subject[0].digest.gitCommit,
      version: predicate.version,
      decidedAt: predicate.decidedAt,
      by: predicate.revocation ? [predicate.revocation.revokedBy] : predicate.reviewers.map((reviewer) => reviewer.name),
      reason: predicate.revocation?.reason ?? null,
    };
  });
}

export function describeDecision(decision: WatchedDecision): string {
  const subject = `${decision.pkgbase} ${decision.version ?? '?'} ${decision.commit.slice(0, 12)}`;
  const who = decision.by.join(', ') || '?';
  return decision.decision === 'approved'
    ? `#${decision.index} ${decision.decidedAt} APPROVED ${subject} by ${who}`
    : `#${decision.index} ${decision.decidedAt} REVOKED  ${subject} by ${who}: ${decision.reason ?? ''}`;
}
