import { InvalidInput } from '../errors.js';

/**
 * Who may do what. Roles and token scopes share one ladder: read < review < admin. A request may do
 * something when both the user's role and (for API tokens) the token's scopes reach its level, so a
 * token never grants more than its owner has.
 */
export const ROLES = ['admin', 'reviewer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const SCOPES = ['read', 'review', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** read: look at everything; review: approve, reject, sync now; admin: allowlist, users, revoke. */
export type Capability = Scope;

const LEVEL: Record<Capability, number> = { read: 1, review: 2, admin: 3 };
const ROLE_LEVEL: Record<Role, number> = { viewer: 1, reviewer: 2, admin: 3 };

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function assertRole(value: string): Role {
  if (!isRole(value)) throw new InvalidInput(`unknown role ${JSON.stringify(value.slice(0, 40))}: one of ${ROLES.join(', ')}`);
  return value;
}

export function parseScopes(values: readonly string[]): Scope[] {
  const scopes = [...new Set(values.flatMap((value) => value.split(/[\s,]+/)).filter(Boolean))];
  if (scopes.length === 0) throw new InvalidInput(`a token needs at least one scope: ${SCOPES.join(', ')}`);
  for (const scope of scopes) {
    if (!(SCOPES as readonly string[]).includes(scope))
      throw new InvalidInput(`unknown scope ${JSON.stringify(scope.slice(0, 40))}: one of ${SCOPES.join(', ')}`);
  }
  return scopes as Scope[];
}

export function roleAllows(role: Role, need: Capability): boolean {
  return ROLE_LEVEL[role] >= LEVEL[need];
}

export function scopesAllow(scopes: readonly Scope[], need: Capability): boolean {
  return scopes.some((scope) => LEVEL[scope] >= LEVEL[need]);
}

/** The scopes a role may put on its own tokens. */
export function scopesForRole(role: Role): Scope[] {
  return SCOPES.filter((scope) => roleAllows(role, scope));
}
