import { createHash } from 'node:crypto';
import {
  INTOTO_PAYLOAD_TYPE,
  parseEnvelope,
  serializeEnvelope,
  signEnvelope,
  verifyEnvelope,
  type DsseEnvelope,
  type DsseKey,
  type DsseSigner,
} from './dsse.js';
import type { Checkpoint } from './checkpoint.js';
import { TamperedError } from './errors.js';
import { leafHash, verifyInclusion } from './merkle.js';
import { parseReviewStatement, statementPayload, type ReviewStatement } from './statement.js';

/**
 * A signed review statement as it is stored, logged and served: the DSSE envelope and its canonical
 * bytes (one `.intoto.jsonl` line, and exactly the log entry whose leaf hash is in the tree).
 */
export interface SignedAttestation {
  envelope: DsseEnvelope;
  /** Canonical JSON of the envelope: the log entry. */
  bytes: Buffer;
  /** sha256 hex of `bytes`: what a lock file pins. */
  digest: string;
}

export function signAttestation(statement: ReviewStatement, signer: DsseSigner): SignedAttestation {
  const envelope = signEnvelope(INTOTO_PAYLOAD_TYPE, statementPayload(statement), [signer]);
  const bytes = serializeEnvelope(envelope);
  return { envelope, bytes, digest: createHash('sha256').update(bytes).digest('hex') };
}

export interface ExpectedSubject {
  pkgbase: string;
  commit: string;
  /** The archive checksum the verifier holds (a lock entry's sha256); checked when the statement has one. */
  sha256?: string;
}

/**
 * Verifies one attestation line with only the trusted public keys: the signature, the statement's
 * shape, and (when given) that its subject is the package, commit and archive the caller expects.
 */
export function verifyAttestation(line: string | Uint8Array, keys: readonly DsseKey[], expected?: ExpectedSubject): ReviewStatement {
  const { payload } = verifyEnvelope(parseEnvelope(line), keys);
  const statement = parseReviewStatement(payload);
  if (expected) {
    const [subject] = statement.subject;
    const context = { pkgbase: expected.pkgbase, commit: expected.commit };
    if (statement.predicate.pkgbase !== expected.pkgbase || subject.digest.gitCommit !== expected.commit) {
      throw new TamperedError('digest-mismatch', `the attestation is for ${subject.name}, not ${expected.pkgbase}@${expected.commit}`, context);
    }
    if (expected.sha256 !== undefined && subject.digest.sha256 !== undefined && subject.digest.sha256 !== expected.sha256) {
      throw new TamperedError(
        'digest-mismatch',
        `the attested archive of ${subject.name} has sha256 ${subject.digest.sha256}, but the lock pins ${expected.sha256}: the snapshot was swapped`,
        context,
      );
    }
    if (expected.sha256 !== undefined && statement.predicate.decision === 'approved' && subject.digest.sha256 === undefined) {
      throw new TamperedError('digest-mismatch', `the approval of ${subject.name} names no archive checksum`, context);
    }
  }
  return statement;
}

/**
 * Checks that the attestation line is entry `index` of the tree a verified checkpoint commits to. A
 * failure means the server holds a decision its log does not (a backdated or forged attestation) or
 * rewrote the entry after logging it.
 */
export function assertLogged(
  line: Uint8Array,
  index: number,
  proof: readonly Uint8Array[],
  checkpoint: Checkpoint,
  subject = 'the attestation',
): void {
  if (!verifyInclusion(leafHash(line), index, checkpoint.size, proof, checkpoint.rootHash)) {
    throw new TamperedError(
      'not-included',
      `${subject} is not entry ${index} of the log checkpoint of ${checkpoint.size} entries: it was altered, or never logged`,
    );
  }
}
