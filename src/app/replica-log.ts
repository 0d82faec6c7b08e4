import { inTransaction, type Db } from '../db/open.js';
import { verifyAttestation } from '../trust/attestation.js';
import type { SignedCheckpoint } from '../trust/checkpoint.js';
import type { MirroredLog } from '../trust/mirrored-log.js';
import { checkAdvance, type VerifierState } from '../trust/verifier-state.js';
import type { RemoteLog } from './log-client.js';

export interface LogAdvance {
  checkpoint: SignedCheckpoint;
  /** Verified entries before and after this round. */
  from: number;
  to: number;
}

/**
 * One step of following the primary's log, as `log watch` does but keeping what it verified: the
 * checkpoint must carry a trusted signature and extend the last verified one (consistency proof; a
 * smaller tree is a rollback, an unjoinable one a fork); the new entries, read from the entry tiles,
 * must each carry a trusted signature and together with the stored ones hash to the signed root. Only
 * then are they stored with the checkpoint, in one transaction. Anything else throws TamperedError and
 * stores nothing.
 */
export async function advanceLog(db: Db, remote: RemoteLog, log: MirroredLog): Promise<LogAdvance> {
  const checkpoint = await remote.checkpoint();
  const latest = log.store.latestCheckpoint();
  const previous: VerifierState | null = latest
    ? { origin: remote.origin, size: latest.size, rootHash: latest.rootHash, note: latest.note, seenAt: new Date(latest.signedAt).toISOString() }
    : null;
  const from = latest?.size ?? 0;
  const proof = previous && checkpoint.size > previous.size && previous.size > 0 ? await remote.consistencyProof(previous.size, checkpoint.size) : [];
  if (!checkAdvance(previous, checkpoint, proof)) return { checkpoint, from, to: from };
  const entries = await remote.entries(from, checkpoint.size, checkpoint.size);
  const statements = entries.map((entry) => verifyAttestation(entry, remote.pinned.dsse));
  inTransaction(db, () => {
    entries.forEach((entry, offset) => log.attestationLog.appendSigned(entry, statements[offset] as (typeof statements)[number]));
    log.store.recordVerifiedCheckpoint(checkpoint);
  });
  return { checkpoint, from, to: checkpoint.size };
}
