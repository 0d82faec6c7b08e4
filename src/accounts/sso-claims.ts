import { ROLES, type Role } from './roles.js';

/**
 * The pure half of single sign-on: reading the claims a provider sent (untrusted in shape and size,
 * even once their signature is verified) and mapping the role claim to a role.
 */

/** Which claim values give which role (AURGATE_OIDC_ROLE_MAP). */
export type RoleMap = Readonly<Record<Role, readonly string[]>>;

/** A person in thousands of groups is possible; more values than this are ignored, as are longer ones. */
export const MAX_CLAIM_VALUES = 1000;
export const MAX_CLAIM_VALUE_CHARS = 256;
const MAX_DISPLAY_CHARS = 100;
const MAX_EMAIL_CHARS = 254;

/**
 * The highest role any of the values maps to, or null. Values compare exactly (case matters: the
 * provider's group `Admins` is not `admins`).
 */
export function roleFor(map: RoleMap, values: readonly string[]): Role | null {
  const held = new Set(values);
  // ROLES is ordered admin, reviewer, viewer: the first that matches is the highest.
  return ROLES.find((role) => map[role].some((value) => held.has(value))) ?? null;
}

/**
 * The values of the role claim. `claim` is a top-level claim name (`groups`, or a namespaced one such
 * as `https://example.com/roles`); when there is no such claim, a dotted path into nested objects
 * (`realm_access.roles`, as Keycloak sends them). A string is one value; an array gives its strings;
 * anything else gives none.
 */
export function claimValues(claims: Readonly<Record<string, unknown>>, claim: string): string[] {
  const value = Object.hasOwn(claims, claim) ? claims[claim] : walk(claims, claim.split('.'));
  const values = typeof value === 'string' ? [value] : Array.isArray(value) ? value.slice(0, MAX_CLAIM_VALUES) : [];
  const strings = values.filter((entry): entry is string => typeof entry === 'string' && entry.length > 0 && entry.length <= MAX_CLAIM_VALUE_CHARS);
  return [...new Set(strings)];
}

function walk(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object' || Array.isArray(current) || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Who the claims say the person is, for display only: name, else preferred_username, else email, else the subject. */
export function displayNameOf(claims: Readonly<Record<string, unknown>>, subject: string): string {
  const candidates = [claims['name'], claims['preferred_username'], claims['email'], subject];
  const first = candidates.map((value) => (typeof value === 'string' ? plain(value, MAX_DISPLAY_CHARS) : '')).find((value) => value !== '');
  return first ?? subject.slice(0, MAX_DISPLAY_CHARS);
}

export function emailOf(claims: Readonly<Record<string, unknown>>): string | null {
  const email = claims['email'];
  return typeof email === 'string' && email.length <= MAX_EMAIL_CHARS && /^[^\s@]+@[^\s@]+$/.test(email) ? email : null;
}

/** Control characters (line breaks in a log, bidi overrides on a page) removed; trimmed and clipped. */
function plain(text: string, max: number): string {
  return text
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .trim()
    .slice(0, max);
}
