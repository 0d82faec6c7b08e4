import { createHash } from 'node:crypto';
import { UpstreamError } from '../errors.js';
import type { LockEntry, LockFile } from '../pin/lock-file.js';
import { assertLogged, verifyAttestation } from '../trust/attestation.js';
import type { SignedCheckpoint } from '../trust/checkpoint.js';
import { TamperedError } from '../trust/errors.js';
import type { ReviewStatement } from '../trust/statement.js';
import type { RemoteLog } from './log-client.js';

/**
 * What the approval log says about one lock entry, checked with only the pinned keys: `ok` (signed
 * approval of exactly this archive and commit, included in the verified checkpoint), `revoked` (a
 * signed revocation of it exists), `tampered` (a signature, digest or proof failed, or the entry has
 * no attestation to check), `unreachable` (nothing could be checked).
 */
export type AttestationOutcome =
  | { kind: 'ok'; logIndex: number; reviewers: string[] }
  | { kind: 'revoked'; logIndex: number; reason: string; revokedBy: string; revokedAt: string; afterLock: boolean }
  | { kind: 'tampered'; detail: string }
  | { kind: 'unreachable'; detail: string };

export interface AttestationResult {
  entry: LockEntry;
  outcome: AttestationOutcome;
}

/** Checks every entry against a checkpoint already verified (signature, origin, consistency with the state file). */
export async function verifyLockAttestations(
  lock: LockFile,
  log: RemoteLog,
  checkpoint: SignedCheckpoint,
  concurrency = 4,
): Promise<AttestationResult[]> {
  const results: AttestationResult[] = new Array(lock.packages.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < lock.packages.length; index = next++) {
      const entry = lock.packages[index] as LockEntry;
      results[index] = { entry, outcome: await checkEntry(lock, entry, log, checkpoint) };
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, lock.packages.length)) }, worker));
  return results;
}

async function checkEntry(lock: LockFile, entry: LockEntry, log: RemoteLog, checkpoint: SignedCheckpoint): Promise<AttestationOutcome> {
  const pinned = entry.attestation;
  if (!pinned) return { kind: 'tampered', detail: 'the lock entry names no attestation (re-lock it with a server that signs approvals)' };
  try {
    const lines = await log.attestationLines(entry.pkgbase, entry.commit);
    const line = lines.find((candidate) => sha256(candidate) === pinned.sha256);
    if (line === undefined) {
      return { kind: 'tampered', detail: `the server no longer serves the attestation the lock pins (sha256 ${pinned.sha256})` };
    }
    const statement = verifyAttestation(line, log.pinned.dsse, { pkgbase: entry.pkgbase, commit: entry.commit, sha256: entry.sha256 });
    if (statement.predicate.decision !== 'approved')
      return { kind: 'tampered', detail: `the pinned attestation is a ${statement.predicate.decision}, not an approval` };
    if (pinned.logIndex >= checkpoint.size) {
      return { kind: 'tampered', detail: `the lock names log entry ${pinned.logIndex}, but the signed log holds ${checkpoint.size} entries` };
    }
    assertLogged(
      Buffer.from(line),
      pinned.logIndex,
      await log.inclusionProof(pinned.logIndex, checkpoint.size),
      checkpoint,
      `the approval of ${entry.pkgbase}@${entry.commit.slice(0, 12)}`,
    );
    const revocation = lines.map((other) => laterRevocation(other, line, log, entry)).find((found) => found !== null);
    if (revocation) {
      const revoked = revocation.predicate;
      return {
        kind: 'revoked',
        logIndex: pinned.logIndex,
        reason: revoked.revocation?.reason ?? '',
        revokedBy: revoked.revocation?.revokedBy ?? '',
        revokedAt: revoked.decidedAt,
        afterLock: Date.parse(revoked.decidedAt) > Date.parse(lock.generatedAt),
      };
    }
    return { kind: 'ok', logIndex: pinned.logIndex, reviewers: statement.predicate.reviewers.map((reviewer) => reviewer.name) };
  } catch (error) {
    if (error instanceof TamperedError) return { kind: 'tampered', detail: error.message };
    if (error instanceof UpstreamError) return { kind: 'unreachable', detail: error.message };
    throw error;
  }
}

/** A signed revocation of the entry's revision among the other lines (an unsigned or foreign line is tampering). */
function laterRevocation(other: string, approval: string, log: RemoteLog, entry: LockEntry): ReviewStatement | null {
  if (other === approval) return null;
  const statement = verifyAttestation(other, log.pinned.dsse, { pkgbase: entry.pkgbase, commit: entry.commit });
  return statement.predicate.decision === 'revoked' ? statement : null;
}

function sha256(line: string): string {
  return createHash('sha256').update(line, 'utf8').digest('hex');
}

export function describeAttestation({ entry, outcome }: AttestationResult): string {
  const subject = `${entry.pkgname} ${entry.version ?? '?'} (${entry.pkgbase} ${entry.commit.slice(0, 12)})`;
  switch (outcome.kind) {
    case 'ok':
      return `SIGNED ${subject}: approval by ${outcome.reviewers.join(', ') || '?'} is log entry ${outcome.logIndex}, included in the signed checkpoint`;
    case 'revoked':
      return `REVOKED ${subject}: signed revocation by ${outcome.revokedBy} at ${outcome.revokedAt}${outcome.afterLock ? ' (after this lock was made)' : ''}: ${outcome.reason}`;
    case 'tampered':
      return `TAMPERED ${subject}: ${outcome.detail}`;
    case 'unreachable':
      return `ERROR  ${subject}: could not check the attestation: ${outcome.detail}`;
  }
}

/** One line for the checkpoint check, for the report's head. */
export function describeCheckpoint(checkpoint: SignedCheckpoint, previous: { size: number } | null): string {
  const since = previous
    ? `consistent with the ${previous.size}-entry checkpoint this machine saw before`
    : 'first seen by this machine (trusted on first use)';
  return `LOG    ${checkpoint.origin}: signed checkpoint of ${checkpoint.size} entries, ${since}`;
}
