import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 500, maxDelayMs: 8000 };

/** Marks an error that retrying cannot fix (a 404, a rejected request). */
export class PermanentFailure extends Error {}

/**
 * Runs fn until it succeeds or the attempts are used up, waiting an exponentially growing delay with
 * full jitter in between, so many aurgate instances never retry against the AUR in lockstep.
 */
export async function withRetry<T>(policy: RetryPolicy, fn: (attempt: number) => Promise<T>): Promise<T> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= policy.attempts; attempt += 1) {
    try {
      return await fn(attempt);
    } catch (error) {
      lastError = error;
      if (error instanceof PermanentFailure || attempt === policy.attempts) break;
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await sleep(Math.random() * ceiling);
    }
  }
  throw lastError;
}
