import { decoyHash, verifyPassword } from '../accounts/passwords.js';
import { assertCan, type Principal } from '../admin/auth/principal.js';
import type { Capability } from '../accounts/roles.js';
import { resolveToken } from '../accounts/tokens.js';
import { findUserByName, normalizeUserName, publicUser, type User } from '../accounts/users.js';
import type { Aurgate } from '../compose.js';
import { Forbidden, Unauthenticated } from '../errors.js';
import type { Actor } from '../quarantine/actor.js';
import { readSecret } from './secret-input.js';
import type { CliIo } from './io.js';

export interface CredentialRequest {
  /** The account named with the flag, if any. */
  named: string | undefined;
  /** The flag that names the account (for messages): --reviewer or --by. */
  flag: string;
  need: Capability;
  /** What is being done, for messages: "approving". */
  what: string;
}

/**
 * Who is deciding from the command line, authenticated: anyone at a shell could otherwise type two
 * real names and defeat the two-person rule. Either an API token in AURGATE_TOKEN (its user is the
 * actor; the flag, when given, must name that user; its scopes must allow the action), or the named
 * account's password (a hidden prompt on a terminal, else the first line of stdin).
 */
export async function authenticateCli(
  io: CliIo,
  app: Aurgate,
  request: CredentialRequest,
  readPassword = (question: string) => readSecret(io, question),
): Promise<Actor> {
  const principal = app.config.cliToken ? byToken(app, app.config.cliToken, request) : await byPassword(app, request, readPassword);
  assertCan(principal, request.need, request.what);
  return { user: principal.user, channel: 'cli' };
}

function byToken(app: Aurgate, token: string, request: CredentialRequest): Principal {
  const resolved = resolveToken(app.db, token.trim());
  if (!resolved) throw new Unauthenticated('AURGATE_TOKEN is not a valid API token (unknown, expired or revoked, or its user is disabled)');
  if (request.named !== undefined && normalizeUserName(request.named) !== resolved.user.name) {
    throw new Unauthenticated(`${request.flag} ${request.named} does not match the user of AURGATE_TOKEN (${resolved.user.name})`);
  }
  return { user: resolved.user, via: 'token', scopes: resolved.token.scopes, csrfToken: null };
}

async function byPassword(app: Aurgate, request: CredentialRequest, readPassword: (question: string) => Promise<string>): Promise<Principal> {
  if (request.named === undefined || request.named.trim() === '') {
    throw new Unauthenticated(
      `${request.what} from the CLI needs credentials: set AURGATE_TOKEN to an API token, or name your account with ${request.flag} and give its password`,
    );
  }
  if (!app.config.localSignIn) {
    throw new Unauthenticated(
      `${request.what} from the CLI: password sign-in is turned off (AURGATE_LOCAL_SIGN_IN=false); set AURGATE_TOKEN to an API token`,
    );
  }
  const password = await readPassword(`Password for ${normalizeUserName(request.named)}: `);
  const user = findUserByName(app.db, request.named);
  const usable = user !== null && user.disabledAt === null && user.source === 'local';
  // As at sign-in: unknown and disabled accounts cost a hash comparison too and get the same answer.
  const matches = await verifyPassword(password, usable ? user.passwordHash : await decoyHash());
  if (!usable || !matches) throw new Unauthenticated(`${request.what} refused: unknown account, disabled account or wrong password`);
  // A password carries the account's whole role, like a browser session (no token scopes).
  return { user: publicUser(user), via: 'session', scopes: null, csrfToken: null };
}

/**
 * Who an allowlist change from the CLI is attributed to. Without a name it is the operating-system
 * user (`cli:<user>`), as before accounts existed; a name (or AURGATE_TOKEN) must be an enabled admin
 * account. The name is not password-checked: the allowlist decides what is fetched into quarantine,
 * never what is served.
 */
export function allowlistActor(app: Aurgate, named: string | undefined, fallback: string): string {
  if (app.config.cliToken) {
    const principal = byToken(app, app.config.cliToken, { named, flag: '--by', need: 'admin', what: 'changing the allowlist' });
    assertCan(principal, 'admin', 'changing the allowlist');
    return principal.user.name;
  }
  if (named === undefined) return fallback;
  const user = findUserByName(app.db, named);
  if (!user) throw new Forbidden(`--by ${named} is not an account: name an admin account, or leave --by out`);
  return checkedAdmin(publicUser(user)).name;
}

function checkedAdmin(user: User): User {
  if (user.disabledAt !== null) throw new Forbidden(`--by ${user.name}: the account is disabled`);
  if (user.role !== 'admin') throw new Forbidden(`--by ${user.name}: changing the allowlist needs an admin account; ${user.name} is a ${user.role}`);
  return user;
}
