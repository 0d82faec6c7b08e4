import { randomBytes } from 'node:crypto';
import { createUser } from '../src/accounts/users.js';
import type { Aurgate } from '../src/compose.js';
import type { Actor } from '../src/quarantine/actor.js';
import { addToAllowlist } from '../src/quarantine/packages.js';
import { listPendingRevisions } from '../src/quarantine/revisions.js';
import { forEachConcurrently } from '../src/sync/pool.js';
import { progress, timed } from './processes.js';
import type { Report } from './report.js';
import { countSpawns, describeSpawns } from './spawn-counter.js';

/**
 * Approves every pending revision through Aurgate.approve, the path the CLI and web admin take, so each
 * approval also publishes its served repo. Not a goal of its own, but its cost per package is reported
 * because a reviewer approving a batch waits for exactly this.
 */
/** Decisions belong to accounts: one reviewer account for a whole bench run. */
/**
 * Puts each name on the allowlist as its own pkgbase, straight into the table: the allow use case would
 * add one upstream RPC lookup per name to the set-up.
 */
export function allowAll(app: Aurgate, names: readonly string[]): void {
  addToAllowlist(
    app.db,
    names.map((name) => ({ pkgname: name, pkgbase: name })),
    'bench',
  );
}

export async function benchReviewer(app: Aurgate): Promise<Actor> {
  const password = randomBytes(18).toString('base64url');
  return { user: await createUser(app.db, { name: 'bench', role: 'reviewer', password }, 'bench'), channel: 'cli' };
}

export async function approveAll(app: Aurgate, report: Report): Promise<void> {
  const pending = listPendingRevisions(app.db);
  const by = await benchReviewer(app);
  const concurrency = app.config.syncConcurrency;
  progress(`approve: ${pending.length} pending revisions (publishing each), concurrency ${concurrency}`);
  const step = Math.max(1, Math.ceil(pending.length / 10));
  let done = 0;
  const run = await countSpawns(() =>
    timed(() =>
      forEachConcurrently(pending, concurrency, async (revision) => {
        const result = await app.approve({ pkgbase: revision.pkgbase, commit: revision.commit, by });
        if (!result.approved)
          throw new Error(`approving ${revision.pkgbase} needs more reviewers (the decision policy must require 1 approval for the bench)`);
        done += 1;
        if (done % step === 0) progress(`  approved ${done}/${pending.length}`);
      }),
    ),
  );
  const n = Math.max(1, pending.length);
  report.note(
    'approve + publish',
    `${pending.length} revisions in ${(run.value.ms / 1000).toFixed(1)} s (${(run.value.ms / n).toFixed(1)} ms each at concurrency ${concurrency})`,
  );
  report.note('processes started per approval', describeSpawns(run.spawns, n));
}
