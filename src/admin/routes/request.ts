import type { Context, MiddlewareHandler } from 'hono';
import { InvalidInput } from '../../errors.js';
import { CHANNELS } from '../../quarantine/actor.js';
import type { AuditFilter } from '../../quarantine/audit.js';
import type { AdminEnv } from '../auth/http.js';
import { assertCan, type Principal } from '../auth/principal.js';
import type { Capability } from '../../accounts/roles.js';

export type AdminContext = Context<AdminEnv>;
type FormValue = string | File | Array<string | File>;
export type Form = Record<string, FormValue | undefined>;

/**
 * The action's own permission check, run as the route's gate before the body is read: a caller
 * without the permission learns that (403), not what was wrong with a body it may not send (400).
 */
export function requires(need: Capability, what: string): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    assertCan(principalOf(c), need, what);
    await next();
  };
}

/** Only ever called behind requireSignedIn; the throw documents that invariant. */
export function principalOf(c: AdminContext): Principal {
  const principal = c.get('principal');
  if (!principal) throw new Error('admin route reached without a signed-in principal');
  return principal;
}

export async function formOf(c: AdminContext): Promise<Form> {
  return (await c.req.parseBody({ all: true })) as Form;
}

/** One text field ('' when absent or a file). */
export function field(form: Form, name: string): string {
  const value = form[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : '';
}

/** Every value of a repeated field (checkboxes), each also split on spaces and commas. */
export function fields(form: Form, name: string): string[] {
  const value = form[name];
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.flatMap((entry) => (typeof entry === 'string' ? entry.split(/[\s,]+/).filter(Boolean) : []));
}

/** A redirect target from a form must stay inside the admin (no open redirect to another site). */
export function safeNext(value: string | undefined): string {
  return value && /^\/admin(\/[A-Za-z0-9._~\-/?=&%+]*)?$/.test(value) && !value.includes('..') ? value : '/admin';
}

/** The audit filter from a query string; empty values mean "any". */
export function auditFilterOf(query: (name: string) => string | undefined, limit: number): AuditFilter {
  const text = (name: string): string | undefined => query(name)?.trim().slice(0, 200) || undefined;
  const before = Number(query('before'));
  const channel = CHANNELS.find((known) => known === query('channel'));
  return {
    ...(text('package') ? { pkgbase: text('package') } : {}),
    ...(text('action') ? { action: text('action') } : {}),
    ...(text('actor') ? { actor: text('actor') } : {}),
    ...(channel ? { channel } : {}),
    ...(Number.isInteger(before) && before > 0 ? { beforeId: before } : {}),
    limit,
  };
}

/** Empty means "never"; anything else must be a whole number of days. */
export function parseExpiryDays(value: string): number | undefined {
  if (value.trim() === '') return undefined;
  const days = Number(value);
  if (!Number.isInteger(days)) throw new InvalidInput('expiry must be a whole number of days');
  return days;
}

export function parseId(value: string): number {
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id <= 0) throw new InvalidInput(`invalid id ${JSON.stringify(value.slice(0, 20))}`);
  return id;
}
