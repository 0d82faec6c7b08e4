/**
 * The small vocabulary of domain errors. The domain throws these; error-mapping.ts gives each its HTTP
 * status and exit code, once for every edge (CLI, admin, JSON API, AUR-facing routes).
 */
export interface ErrorContext {
  pkgbase?: string | undefined;
  pkgname?: string | undefined;
  commit?: string | undefined;
  cause?: unknown;
}

/** Every domain error's code: a new one must be given a status and an exit code in error-mapping.ts. */
export type ErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'conflict'
  | 'forbidden'
  | 'unauthenticated'
  | 'upstream_error'
  | 'busy'
  | 'git_error'
  | 'storage_error'
  | 'source_error'
  | 'build_failed'
  | 'tampered'
  | 'sso_rejected'
  | 'identity_provider_error';

export abstract class AurgateError extends Error {
  abstract readonly code: ErrorCode;
  readonly pkgbase: string | undefined;
  readonly pkgname: string | undefined;
  readonly commit: string | undefined;

  constructor(message: string, context: ErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = new.target.name;
    this.pkgbase = context.pkgbase;
    this.pkgname = context.pkgname;
    this.commit = context.commit;
  }
}

/** Input that breaks a rule: a bad package name, a malformed request, a missing flag. */
export class InvalidInput extends AurgateError {
  readonly code = 'invalid_input';
}

export class NotFound extends AurgateError {
  readonly code = 'not_found';
}

/** The request is well formed but the current state forbids it (wrong commit, illegal transition). */
export class Conflict extends AurgateError {
  readonly code = 'conflict';
}

/** A caller without the right to do this. */
export class Forbidden extends AurgateError {
  readonly code = 'forbidden';
}

/** Missing or wrong credentials: no token, an invalid token, an unknown account or a wrong password. */
export class Unauthenticated extends AurgateError {
  readonly code = 'unauthenticated';
}

/** The upstream AUR failed or answered something it never sends. */
export class UpstreamError extends AurgateError {
  readonly code = 'upstream_error';
}

/** Another process holds a lock we need (a sync in progress). */
export class Busy extends AurgateError {
  readonly code = 'busy';
}

/** A git command failed; carries the command's stderr in the message. */
export class GitError extends AurgateError {
  readonly code = 'git_error';
}

/** The database is unusable (driver errors are wrapped into this one at the db/ edge). */
export class StorageError extends AurgateError {
  readonly code = 'storage_error';
}

/** An AUR dependency a lock needs but cannot hold (see src/pin/closure.ts). */
export interface MissingDependency {
  name: string;
  reason: string;
  requiredBy: readonly string[];
}

/** A lock's dependency closure has gaps: each AUR package that is not served, why, and who needs it. */
export class MissingDependencies extends AurgateError {
  readonly code = 'not_found';

  constructor(readonly missing: readonly MissingDependency[]) {
    super(
      `cannot lock: ${missing.length === 1 ? 'an AUR dependency is' : `${missing.length} AUR dependencies are`} not served: ${missing
        .map((gap) => `${gap.name} (needed by ${gap.requiredBy.join(', ')}): ${gap.reason}`)
        .join('; ')}; approve or allowlist ${missing.length === 1 ? 'it' : 'them'}, or lock with --allow-missing`,
      { pkgname: missing[0]?.name },
    );
  }
}

/** Packages that depend on each other in a circle: no build order exists. */
export class DependencyCycle extends AurgateError {
  readonly code = 'conflict';

  /** The pkgbases on the cycle, the first repeated at the end. */
  constructor(readonly cycle: readonly string[]) {
    super(`cannot lock: dependency cycle ${cycle.join(' -> ')}; no build order builds each package after its dependencies`, {
      pkgbase: cycle[0],
    });
  }
}

/** Why a PKGBUILD source was not stored (README "Hermetic builds"). */
export type SourceFailure = 'refused' | 'unreachable' | 'too-large' | 'mismatch';

/**
 * A `source=` entry could not be fetched into the source cache: a refused URL (scheme, private
 * address, unsafe file name), an unreachable or failing host, a file over a cap, or bytes whose
 * checksum differs from the PKGBUILD's. Carries the package and the entry's file name.
 */
export class SourceError extends AurgateError {
  readonly code = 'source_error';
  readonly failure: SourceFailure;
  readonly source: string;

  constructor(failure: SourceFailure, source: string, message: string, context: ErrorContext = {}) {
    super(message, context);
    this.failure = failure;
    this.source = source;
  }
}

/**
 * A build of an approved revision that failed: makepkg's own failure, a deadline or disk cap, or a
 * source the build needs that is not in the source cache. Carries the package; its log has the rest.
 */
export class BuildError extends AurgateError {
  readonly code = 'build_failed';
}

/**
 * A single sign-on callback that fails a check: a state or nonce that is not this browser's, a missing
 * or expired flow cookie, a replayed callback, a code the provider refuses (PKCE), an ID token that
 * does not verify, or an error the provider sent back. Nobody is signed in.
 */
export class SsoRejected extends AurgateError {
  readonly code = 'sso_rejected';
}

/** The identity provider could not be reached or answered something unusable (discovery, token, userinfo). */
export class IdentityProviderError extends AurgateError {
  readonly code = 'identity_provider_error';
}

/** Describes any thrown value in one line, following `cause` chains. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth += 1) {
    if (current instanceof Error) {
      parts.push(current.message);
      current = current.cause;
    } else {
      parts.push(String(current));
      current = undefined;
    }
  }
  return parts.filter((part, index) => index === 0 || !parts[0]?.includes(part)).join(': ');
}
