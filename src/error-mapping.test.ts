import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES, errorReplyFor, exitCodeFor, httpStatusFor } from './error-mapping.js';
import {
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
} from './errors.js';
import { SrcinfoSyntaxError } from './srcinfo/parse.js';

/** The documented contract: README's status codes and its CLI exit codes. */
const CASES = [
  { error: new InvalidInput('bad name'), status: 400, exitCode: 2, code: 'invalid_input' },
  { error: new Unauthenticated('no token'), status: 401, exitCode: 7, code: 'unauthenticated' },
  { error: new Forbidden('reviewers only'), status: 403, exitCode: 4, code: 'forbidden' },
  { error: new NotFound('no such package'), status: 404, exitCode: 3, code: 'not_found' },
  { error: new Conflict('wrong commit'), status: 409, exitCode: 4, code: 'conflict' },
  { error: new Busy('a sync is running'), status: 503, exitCode: 5, code: 'busy' },
  { error: new SourceError('mismatch', 'a.tar.gz', 'p: source a.tar.gz: sha256sum differs'), status: 502, exitCode: 1, code: 'source_error' },
  { error: new SsoRejected('the state is not this browser’s'), status: 401, exitCode: 7, code: 'sso_rejected' },
  { error: new IdentityProviderError('the identity provider did not answer'), status: 502, exitCode: 1, code: 'identity_provider_error' },
] as const;

const INTERNAL_ERRORS = [
  new UpstreamError('aur.archlinux.org answered 502'),
  new GitError('git fetch failed in /srv/aurgate/mirror/yay: fatal: secret path'),
  new StorageError('database disk image is malformed'),
  new Error('a bug'),
  'a thrown string',
  undefined,
];

describe('error mapping', () => {
  it.each(CASES)('maps $code to HTTP $status and exit code $exitCode', ({ error, status, exitCode, code }) => {
    expect(httpStatusFor(error)).toBe(status);
    expect(exitCodeFor(error)).toBe(exitCode);
    expect(errorReplyFor(error)).toEqual({ status, code, message: error.message, internal: false });
  });

  it('maps subclasses like their domain error', () => {
    const error = new SrcinfoSyntaxError(3, 'expected key = value');
    expect([httpStatusFor(error), exitCodeFor(error), errorReplyFor(error).code]).toEqual([400, 2, 'invalid_input']);
  });

  it.each(INTERNAL_ERRORS)('treats %s as internal: 500, exit code 1, no details shown', (error) => {
    expect(httpStatusFor(error)).toBe(500);
    expect(exitCodeFor(error)).toBe(1);
    expect(errorReplyFor(error)).toEqual({ status: 500, code: 'internal_error', message: 'internal error', internal: true });
  });

  it("lists every exit code of README's CLI reference", () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const sentence = /^Exit codes: [\s\S]*?\n\n/m.exec(readme)?.[0] ?? '';
    const documented = [...sentence.matchAll(/`(\d)`/g)].map((match) => Number(match[1]));
    expect(documented).toEqual(Object.values(EXIT_CODES));
  });
});
