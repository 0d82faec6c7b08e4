import { AurgateError, type ErrorContext } from '../errors.js';

/**
 * Why a signed fact failed to verify. Every one of these means "do not trust what you were given";
 * `rollback` and `fork` are kept apart because they call for different reactions (a stale mirror or
 * replayed checkpoint versus a log that was rewritten).
 */
export type TamperKind =
  | 'malformed'
  | 'unknown-key'
  | 'bad-signature'
  | 'not-included'
  | 'inconsistent'
  | 'rollback'
  | 'fork'
  | 'origin-mismatch'
  | 'digest-mismatch'
  | 'outside-range'
  | 'corrupt-store';

/** Verification of a signature, proof or log failed: the data was changed, replayed or forged. */
export class TamperedError extends AurgateError {
  readonly code = 'tampered';
  readonly kind: TamperKind;

  constructor(kind: TamperKind, message: string, context: ErrorContext = {}) {
    super(message, context);
    this.kind = kind;
  }
}

/** A checkpoint older (smaller) than one this verifier already saw: the log was rolled back or a stale one replayed. */
export class RollbackDetected extends TamperedError {
  constructor(message: string, context: ErrorContext = {}) {
    super('rollback', message, context);
  }
}

/** Two checkpoints that no consistency proof can join: the log was rewritten (truncated and re-grown, or edited). */
export class ForkDetected extends TamperedError {
  constructor(message: string, context: ErrorContext = {}) {
    super('fork', message, context);
  }
}
