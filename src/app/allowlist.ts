import { NotFound } from '../errors.js';
import type { Channel } from '../quarantine/actor.js';
import { addToAllowlist, removeFromAllowlist, type AllowlistEntry } from '../quarantine/packages.js';
import { assertPackageName } from '../srcinfo/names.js';
import type { AppDeps } from './deps.js';

/**
 * Adds names to the allowlist. Each is resolved to its pkgbase upstream first; any unknown name fails
 * the whole call before anything is written. Returns the new entries; fetching them is the caller's
 * choice (a sync of just those pkgbases).
 */
export async function allow(
  deps: Pick<AppDeps, 'db' | 'rpc'>,
  names: readonly string[],
  actor: string,
  channel: Channel | null = null,
): Promise<AllowlistEntry[]> {
  const wanted = [...new Set(names.map((name) => assertPackageName(name)))];
  const found = await deps.rpc.info(wanted);
  const unknown = wanted.filter((name) => !found.has(name));
  if (unknown.length > 0) {
    throw new NotFound(`unknown AUR package${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (nothing was added)`, { pkgname: unknown[0] });
  }
  const entries = wanted.map((name) => ({ pkgname: name, pkgbase: assertPackageName(found.get(name)?.PackageBase ?? '', 'pkgbase') }));
  return addToAllowlist(deps.db, entries, actor, channel);
}

/** Removes names (a pkgbase removes all its names); they stop being served at once, history stays. */
export function disallow(deps: Pick<AppDeps, 'db'>, names: readonly string[], actor: string, channel: Channel | null = null): AllowlistEntry[] {
  return removeFromAllowlist(
    deps.db,
    names.map((name) => assertPackageName(name)),
    actor,
    channel,
  );
}
