import { z } from 'zod';
import { InvalidInput } from '../../errors.js';
import type { AdminContext } from '../routes/request.js';

/** Parses a JSON body with a schema; anything else is InvalidInput with the first problem named. */
export async function jsonBody<T>(c: AdminContext, schema: z.ZodType<T>): Promise<T> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new InvalidInput('the request body must be JSON (Content-Type: application/json)');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidInput(`invalid request body: ${issue?.path.join('.') || 'body'} ${issue?.message ?? 'is invalid'}`);
  }
  return parsed.data;
}

const text = (max: number) => z.string().max(max);

export const decisionBody = z.object({
  commit: text(64),
  comment: text(2000).optional(),
  reason: text(2000).optional(),
  readmit: z.array(text(64)).max(100).optional(),
});
export const policyBody = z.object({ requiredApprovals: z.number().int() });
export const allowBody = z.object({ names: z.array(text(255)).min(1).max(200), fetch: z.boolean().optional() });
export const userBody = z.object({ name: text(64), role: text(20), password: text(1024) });
export const tokenBody = z.object({
  name: text(100),
  scopes: z.array(text(20)).min(1),
  expiresInDays: z.number().int().positive().max(3650).optional(),
});
export const buildBody = z.object({ commit: text(64).optional() });
