import type { User } from '../accounts/users.js';

/**
 * How a change reached aurgate, recorded with every audit row: `web` (a signed-in browser), `api` (a
 * bearer token over HTTP), `cli` (the command line) or `system` (sync and scheduler, no person).
 */
export const CHANNELS = ['web', 'api', 'cli', 'system'] as const;
export type Channel = (typeof CHANNELS)[number];

/**
 * An account acting through a channel. Authentication belongs to the transports (session, token,
 * CLI credentials); the use cases take an already identified account and re-check, inside their
 * transaction, that it still exists, is enabled and has the role the decision needs.
 */
export interface Actor {
  user: Pick<User, 'id' | 'name'>;
  channel: Exclude<Channel, 'system'>;
}
