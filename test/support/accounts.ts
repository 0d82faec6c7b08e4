import { inject } from 'vitest';
import { hashPassword } from '../../src/accounts/passwords.js';
import { addUser, findUserByName, publicUser, type User } from '../../src/accounts/users.js';
import type { Role } from '../../src/accounts/roles.js';
import type { Db } from '../../src/db/open.js';
import type { Aurgate } from '../../src/compose.js';
import type { Actor } from '../../src/quarantine/actor.js';

/** The password of every account the tests create (long enough for the password policy). */
export const TEST_PASSWORD = 'correct horse battery staple';

/**
 * Each password's hash at the production cost (scrypt N = 2^16, a quarter of a second of CPU and
 * 64 MiB each), computed once: the suite creates hundreds of accounts with the same password, and a
 * fresh salt per account proves nothing the password tests do not. Signing in still verifies against
 * the real hash. TEST_PASSWORD's comes from the run's global setup (support/global-setup.ts), others
 * (or a run without that setup) are hashed once per process.
 */
const hashes = new Map<string, Promise<string>>();
function hashOnce(password: string): Promise<string> {
  let hash = hashes.get(password);
  if (!hash) {
    const provided = password === TEST_PASSWORD ? inject('testPasswordHash') : undefined;
    hash = provided ? Promise.resolve(provided) : hashPassword(password);
    hashes.set(password, hash);
  }
  return hash;
}

/** createUser (the same row and audit entry) with the password hashed once per process. */
export async function addTestUser(db: Db, input: { name: string; role: string; password?: string }, actor = 'test'): Promise<User> {
  const passwordHash = await hashOnce(input.password ?? TEST_PASSWORD);
  return addUser(db, { name: input.name, role: input.role, passwordHash }, actor);
}

/**
 * A real account on the harness's database (created once, reused by name), as the decision use cases
 * take it. Decisions need one: a made-up reviewer name is refused.
 */
export async function account(
  app: Aurgate,
  name: string,
  role: Role = 'reviewer',
  channel: Actor['channel'] = 'cli',
): Promise<Actor & { user: User }> {
  const existing = findUserByName(app.db, name);
  const user = existing ? publicUser(existing) : await addTestUser(app.db, { name, role });
  return { user, channel };
}

/** A reviewer and an admin, the pair most tests decide with. */
export async function reviewers(app: Aurgate): Promise<{ rita: Actor & { user: User }; ada: Actor & { user: User } }> {
  return { rita: await account(app, 'rita', 'reviewer'), ada: await account(app, 'ada', 'admin') };
}
