import { AurgateError, type ErrorCode } from './errors.js';

/**
 * Domain errors become HTTP statuses and exit codes here, once. Every transport (the HTTP app, the
 * admin's pages and JSON API, the lock API, the RPC, the CLI) imports this module; it imports nothing
 * of theirs.
 */

/** Exit codes scripts rely on (README, CLI reference). */
export const EXIT_CODES = {
  success: 0,
  /** An unexpected error, or a command whose work partly failed (a sync with failed packages, `verify` drift). */
  failure: 1,
  /** Invalid input, and command-line usage errors. */
  invalidInput: 2,
  notFound: 3,
  /** A conflict (wrong commit, illegal transition) or forbidden (an account without the role). */
  conflict: 4,
  /** Another sync is running. */
  busy: 5,
  /** `verify` only: some packages could not be checked. */
  unchecked: 6,
  unauthenticated: 7,
  /**
   * A signature, proof or log failed to verify: the data was altered, replayed or forged (`verify`,
   * `log verify`, `log watch`, and a server refusing to start on a tampered log).
   */
  tampered: 8,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 500 | 502 | 503;

interface Mapping {
  status: ErrorStatus;
  exitCode: ExitCode;
}

/** Ours, not the caller's: answered without details (which are logged instead). */
const INTERNAL: Mapping = { status: 500, exitCode: EXIT_CODES.failure };

/** A Record, so a new error code does not compile until it is mapped here. */
const BY_CODE: Record<ErrorCode, Mapping> = {
  invalid_input: { status: 400, exitCode: EXIT_CODES.invalidInput },
  unauthenticated: { status: 401, exitCode: EXIT_CODES.unauthenticated },
  forbidden: { status: 403, exitCode: EXIT_CODES.conflict },
  not_found: { status: 404, exitCode: EXIT_CODES.notFound },
  conflict: { status: 409, exitCode: EXIT_CODES.conflict },
  busy: { status: 503, exitCode: EXIT_CODES.busy },
  upstream_error: INTERNAL,
  git_error: INTERNAL,
  storage_error: INTERNAL,
  // A PKGBUILD source the server could not fetch or verify: an upstream's failure, named with its package and file.
  source_error: { status: 502, exitCode: EXIT_CODES.failure },
  // A build that failed (src/build/): the build's outcome, not the request's; its log says why.
  build_failed: { status: 500, exitCode: EXIT_CODES.failure },
  // A signature, proof or log that fails to verify (src/trust/). Over HTTP it is the server's own
  // problem (its log is damaged): a 500 without details; on the command line it has its own code.
  tampered: { status: 500, exitCode: EXIT_CODES.tampered },
  // Single sign-on (app/sso.ts): a callback that fails a check is a failed sign-in; an identity
  // provider that cannot be reached is a bad gateway, told as such (the operator must know which).
  sso_rejected: { status: 401, exitCode: EXIT_CODES.unauthenticated },
  identity_provider_error: { status: 502, exitCode: EXIT_CODES.failure },
};

function mappingOf(error: unknown): Mapping {
  return error instanceof AurgateError ? BY_CODE[error.code] : INTERNAL;
}

export function httpStatusFor(error: unknown): ErrorStatus {
  return mappingOf(error).status;
}

export function exitCodeFor(error: unknown): ExitCode {
  return mappingOf(error).exitCode;
}

/** What an HTTP client is told about an error, whatever the transport's format. */
export interface ErrorReply {
  status: ErrorStatus;
  /** The JSON API's `error.code`: the domain error's code, or `internal_error`. */
  code: ErrorCode | 'internal_error';
  /** The domain error's message, or a generic one for internal errors. */
  message: string;
  /** A 500: the transport logs the error with its details and shows none of them. */
  internal: boolean;
}

export function errorReplyFor(error: unknown): ErrorReply {
  const status = httpStatusFor(error);
  if (status === 500 || !(error instanceof AurgateError)) return { status: 500, code: 'internal_error', message: 'internal error', internal: true };
  return { status, code: error.code, message: error.message, internal: false };
}
