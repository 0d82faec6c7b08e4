import { createUser, findUserByName, publicUser, type User } from '../../src/accounts/users.js';
import type { Role } from '../../src/accounts/roles.js';
import type { Aurgate } from '../../src/compose.js';
import type { Actor } from '../../src/quarantine/actor.js';

/** The password of every account the tests create (long enough for the password policy). */
export const TEST_PASSWORD = 'correct horse battery staple';

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
  const user = existing ? publicUser(existing) : await createUser(app.db, { name, role, password: TEST_PASSWORD }, 'test');
  return { user, channel };
}

/** A reviewer and an admin, the pair most tests decide with. */
export async function reviewers(app: Aurgate): Promise<{ rita: Actor & { user: User }; ada: Actor & { user: User } }> {
  return { rita: await account(app, 'rita', 'reviewer'), ada: await account(app, 'ada', 'admin') };
}
