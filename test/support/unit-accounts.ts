import { insertUser } from '../../src/accounts/users.js';
import type { Role } from '../../src/accounts/roles.js';
import type { Db } from '../../src/db/open.js';
import type { Actor } from '../../src/quarantine/actor.js';

/**
 * An account for in-memory unit tests, as the decision use cases take it: a real users row with a hash
 * no password matches, so no test pays for scrypt (integration tests use support/accounts.ts).
 */
export function unitAccount(db: Db, name: string, role: Role, options: { disabled?: boolean; channel?: Actor['channel'] } = {}): Actor {
  const user = insertUser(db, { name, role, passwordHash: 'none', createdBy: 'test', ...(options.disabled ? { disabledAt: 1 } : {}) }, 0);
  return { user: { id: user.id, name }, channel: options.channel ?? 'web' };
}
