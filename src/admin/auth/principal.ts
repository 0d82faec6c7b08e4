import { Forbidden } from '../../errors.js';
import type { Actor } from '../../quarantine/actor.js';
import { roleAllows, scopesAllow, type Capability, type Scope } from '../../accounts/roles.js';
import type { User } from '../../accounts/users.js';

/** Who is making a request, and through what. */
export interface Principal {
  user: User;
  via: 'session' | 'token';
  /** The token's scopes; null for a session, which carries the user's whole role. */
  scopes: readonly Scope[] | null;
  /** The session's synchronizer token (sessions only). */
  csrfToken: string | null;
}

export function can(principal: Principal, need: Capability): boolean {
  return roleAllows(principal.user.role, need) && (principal.scopes === null || scopesAllow(principal.scopes, need));
}

/** The one authorization check every admin action makes before it touches anything. */
export function assertCan(principal: Principal, need: Capability, what: string): void {
  if (can(principal, need)) return;
  const through = principal.via === 'token' ? ` (this token has scope ${principal.scopes?.join(', ') ?? 'none'})` : '';
  throw new Forbidden(`${what} needs the ${need} permission; ${principal.user.name} is a ${principal.user.role}${through}`);
}

/** The account behind a request as the decision use cases take it: a session is `web`, a token `api`. */
export function actorOf(principal: Principal): Actor {
  return { user: principal.user, channel: principal.via === 'session' ? 'web' : 'api' };
}
