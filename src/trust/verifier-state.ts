import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { StorageError } from '../errors.js';
import type { Checkpoint } from './checkpoint.js';
import { ForkDetected, RollbackDetected, TamperedError } from './errors.js';
import { verifyConsistency } from './merkle.js';

/**
 * What a verifying machine remembers between runs: the newest checkpoint it accepted. Every later
 * checkpoint must extend it (consistency proof), so the server cannot show this machine a rolled-back
 * log or, after rewriting history, a fork, without the next run noticing.
 */
export interface VerifierState {
  origin: string;
  size: number;
  rootHash: Buffer;
  /** The signed note, kept as evidence: two signed, inconsistent checkpoints prove the log misbehaved. */
  note: string;
  /** ISO 8601. */
  seenAt: string;
}

const MAX_STATE_BYTES = 1_000_000;
const stateSchema = z.object({
  version: z.literal(1),
  origin: z.string().min(1),
  size: z.number().int().min(0),
  rootHash: z.string(),
  note: z.string(),
  seenAt: z.string(),
});

/**
 * Checks that `next` may follow `previous` (null on first use: trust on first use). Returns true when
 * `next` is newer and should be remembered. Rollback and fork are distinct errors.
 */
export function checkAdvance(previous: VerifierState | null, next: Checkpoint, proof: readonly Uint8Array[]): boolean {
  if (!previous) return true;
  if (next.origin !== previous.origin) {
    throw new TamperedError(
      'origin-mismatch',
      `the checkpoint is for log ${JSON.stringify(next.origin)}, but this machine follows ${JSON.stringify(previous.origin)}`,
    );
  }
  if (next.size < previous.size) {
    throw new RollbackDetected(`the log was rolled back: this machine already saw ${previous.size} entries, the server now shows ${next.size}`);
  }
  if (next.size === previous.size) {
    if (!next.rootHash.equals(previous.rootHash)) {
      throw new ForkDetected(`the log forked: two different trees of ${next.size} entries were signed (the log was rewritten)`);
    }
    return false;
  }
  if (!verifyConsistency(previous.size, next.size, proof, previous.rootHash, next.rootHash)) {
    throw new ForkDetected(
      `the log forked: the tree of ${next.size} entries does not extend the tree of ${previous.size} this machine saw (entries were changed, removed or reordered)`,
    );
  }
  return true;
}

export function readVerifierState(file: string): VerifierState | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StorageError(`cannot read the verifier state ${file}`, { cause: error });
  }
  if (text.length > MAX_STATE_BYTES) throw new StorageError(`the verifier state ${file} is too large`);
  let parsed: z.infer<typeof stateSchema>;
  try {
    parsed = stateSchema.parse(JSON.parse(text));
  } catch (error) {
    throw new StorageError(`the verifier state ${file} is malformed; remove it only if you trust the log's current checkpoint`, { cause: error });
  }
  const rootHash = Buffer.from(parsed.rootHash, 'base64');
  if (rootHash.length !== 32) throw new StorageError(`the verifier state ${file} holds a malformed root hash`);
  return { origin: parsed.origin, size: parsed.size, rootHash, note: parsed.note, seenAt: parsed.seenAt };
}

export function writeVerifierState(file: string, state: VerifierState): void {
  const json = {
    version: 1,
    origin: state.origin,
    size: state.size,
    rootHash: state.rootHash.toString('base64'),
    note: state.note,
    seenAt: state.seenAt,
  };
  const temp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(temp, `${JSON.stringify(json, null, 2)}\n`);
    renameSync(temp, file);
  } catch (error) {
    throw new StorageError(`cannot write the verifier state ${file}`, { cause: error });
  }
}

/**
 * Checks a verified checkpoint against the state file and remembers it when it is newer. The
 * checkpoint's signature must already have been checked (openCheckpoint); `proof` is the consistency
 * proof from the remembered size to the checkpoint's.
 */
export function advanceVerifierState(
  file: string,
  next: Checkpoint & { note: string },
  proof: readonly Uint8Array[],
  now = new Date(),
): { previous: VerifierState | null; updated: boolean } {
  const previous = readVerifierState(file);
  const updated = checkAdvance(previous, next, proof);
  if (updated)
    writeVerifierState(file, { origin: next.origin, size: next.size, rootHash: next.rootHash, note: next.note, seenAt: now.toISOString() });
  return { previous, updated };
}
