import { describe, expect, it } from 'vitest';
import { Busy, describeError, InvalidInput, StorageError } from '../errors.js';
import { errorFromWorker, failureMessage, runRequestSchema, workerMessageSchema } from './worker-protocol.js';

describe('the sync worker protocol', () => {
  it('keeps a domain error its class across the process boundary, so a busy lock stays Busy', () => {
    for (const error of [new Busy('another sync is running'), new InvalidInput('not on the allowlist: x'), new StorageError('disk full')]) {
      const message = failureMessage(error, describeError);
      if (message.type !== 'failed') throw new Error('a failure message');
      const again = errorFromWorker(message.code, message.message);
      expect(again).toBeInstanceOf(error.constructor);
      expect(again.message).toBe(error.message);
    }
    const bug = failureMessage(new TypeError('x is undefined'), describeError);
    expect(bug).toEqual({ type: 'failed', code: null, message: 'x is undefined' });
    expect(errorFromWorker(null, 'x is undefined')).not.toBeInstanceOf(Busy);
  });

  it('parses what the worker sends and refuses what it never sends', () => {
    const summary = {
      runId: 3,
      status: 'partial',
      packages: 2,
      fetched: 2,
      newRevisions: 1,
      failed: 1,
      errors: [{ pkgbase: 'a', error: 'x' }],
      durationMs: 5,
    };
    expect(workerMessageSchema.parse({ type: 'summary', summary })).toEqual({ type: 'summary', summary });
    expect(workerMessageSchema.parse({ type: 'event', event: { kind: 'new-revision', pkgbase: 'a', commit: 'c' } }).type).toBe('event');
    for (const bad of [
      null,
      'started',
      { type: 'started' },
      { type: 'summary', summary: { ...summary, status: 'running' } },
      { type: 'event', event: { kind: 'new-revision', pkgbase: 'a' } },
      { type: 'failed', code: 'nope', message: '' },
    ])
      expect(workerMessageSchema.safeParse(bad).success).toBe(false);
  });

  it('takes a run request with a configuration and a known trigger only', () => {
    const config = { paths: { database: '/data/aurgate.db' } };
    expect(runRequestSchema.safeParse({ type: 'run', config, options: { trigger: 'admin', only: ['a'] }, progress: false }).success).toBe(true);
    expect(runRequestSchema.safeParse({ type: 'run', config, options: { trigger: 'cron' }, progress: false }).success).toBe(false);
    expect(runRequestSchema.safeParse({ type: 'run', config: {}, options: { trigger: 'admin' }, progress: false }).success).toBe(false);
  });
});
