import { z } from 'zod';
import type { Config } from '../config.js';
import {
  AurgateError,
  BuildError,
  Busy,
  Conflict,
  Forbidden,
  GitError,
  IdentityProviderError,
  InvalidInput,
  NotFound,
  SourceError,
  SsoRejected,
  StorageError,
  Unauthenticated,
  UpstreamError,
  type ErrorCode,
} from '../errors.js';
import { TamperedError } from '../trust/errors.js';
import type { SyncEvent } from './run.js';
import type { SyncSummary } from './runs.js';

/**
 * The messages between `aurgate serve` and its sync worker (src/scheduler/sync-worker-process.ts
 * starts it, src/cli/sync-worker-command.ts is the worker). Node's IPC channel carries them as JSON;
 * each side parses what it receives, so a slip on one side is a clear error on the other rather than
 * undefined fields.
 */

const TRIGGERS = ['schedule', 'cli', 'allow', 'admin', 'startup'] as const;

/** Server → worker, once: what to sync, with the server's own configuration (not re-read from the environment). */
export const runRequestSchema = z.object({
  type: z.literal('run'),
  config: z.custom<Config>(
    (value) => typeof value === 'object' && value !== null && typeof (value as { paths?: { database?: unknown } }).paths?.database === 'string',
    'not a configuration',
  ),
  options: z.object({
    only: z.array(z.string()).optional(),
    full: z.boolean().optional(),
    trigger: z.enum(TRIGGERS),
  }),
  /** Whether the server wants a message per package done. */
  progress: z.boolean(),
});
export type RunRequest = z.infer<typeof runRequestSchema>;

const syncEventSchema: z.ZodType<SyncEvent> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('new-revision'), pkgbase: z.string(), commit: z.string() }),
  z.object({ kind: z.literal('package-failed'), pkgbase: z.string(), error: z.string() }),
  z.object({ kind: z.literal('upstream-deleted'), pkgbase: z.string() }),
]);

const syncSummarySchema: z.ZodType<SyncSummary> = z.object({
  runId: z.number().int(),
  status: z.enum(['ok', 'partial', 'failed']),
  packages: z.number().int(),
  fetched: z.number().int(),
  newRevisions: z.number().int(),
  failed: z.number().int(),
  errors: z.array(z.object({ pkgbase: z.string(), error: z.string() })),
  durationMs: z.number(),
});

/** Each domain error again from its code and message (a worker's error keeps its class, so HTTP status and exit code agree). */
const ERROR_CLASSES: Record<ErrorCode, (message: string) => AurgateError> = {
  invalid_input: (message) => new InvalidInput(message),
  not_found: (message) => new NotFound(message),
  conflict: (message) => new Conflict(message),
  forbidden: (message) => new Forbidden(message),
  unauthenticated: (message) => new Unauthenticated(message),
  upstream_error: (message) => new UpstreamError(message),
  busy: (message) => new Busy(message),
  git_error: (message) => new GitError(message),
  storage_error: (message) => new StorageError(message),
  // A sync verifies nothing signed; should one ever fail so, the class (and so the mapping) survives, its kind does not.
  tampered: (message) => new TamperedError('malformed', message),
  // A sync fetches no PKGBUILD sources; the class survives, the failure kind and file name do not.
  source_error: (message) => new SourceError('unreachable', '', message),
  // A sync builds nothing; should a build error ever cross, its class survives.
  build_failed: (message) => new BuildError(message),
  sso_rejected: (message) => new SsoRejected(message),
  identity_provider_error: (message) => new IdentityProviderError(message),
};
const ERROR_CODES = Object.keys(ERROR_CLASSES) as [ErrorCode, ...ErrorCode[]];

/** Worker → server: the run began (lock held, run recorded), progress, events, then exactly one outcome. */
export const workerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('started'), runId: z.number().int() }),
  z.object({ type: z.literal('progress'), done: z.number().int(), total: z.number().int(), pkgbase: z.string() }),
  z.object({ type: z.literal('event'), event: syncEventSchema }),
  z.object({ type: z.literal('summary'), summary: syncSummarySchema }),
  /** The sync threw: a domain error keeps its code (a busy lock stays Busy), anything else has none. */
  z.object({ type: z.literal('failed'), code: z.enum(ERROR_CODES).nullable(), message: z.string() }),
]);
export type WorkerMessage = z.infer<typeof workerMessageSchema>;

/** What a worker reports of an error: its domain code, if it has one, and its description. */
export function failureMessage(error: unknown, describe: (error: unknown) => string): WorkerMessage {
  return { type: 'failed', code: error instanceof AurgateError ? error.code : null, message: describe(error) };
}

/** The worker's error again, as the same domain error class where it had one. */
export function errorFromWorker(code: ErrorCode | null, message: string): Error {
  return code === null ? new Error(message) : ERROR_CLASSES[code](message);
}
