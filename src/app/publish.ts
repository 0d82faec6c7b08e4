import type { Db } from '../db/open.js';
import { GitError, describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { listApprovedRevisions, pkgbasesWithDecisions } from '../quarantine/revisions.js';
import { withLock } from '../db/locks.js';
import type { ReconcileResult, ServedRepos } from '../store/served-repos.js';

/** What the database says a package's served repo must hold. */
export function desiredServedState(db: Db, pkgbase: string): { approved: string[]; head: string | null } {
  const approved = listApprovedRevisions(db, pkgbase);
  return { approved: approved.map((revision) => revision.commit), head: approved[0]?.commit ?? null };
}

/**
 * Brings one package's served repo in line with the database. Called right after a decision commits,
 * and for every package at start-up: the database is the source of truth, so a crash between a
 * decision and its publication is repaired by running this again.
 */
export async function publishPackage(db: Db, served: ServedRepos, pkgbase: string): Promise<ReconcileResult> {
  return withLock(db, `publish:${pkgbase}`, { waitMs: 30_000 }, async () => {
    try {
      return await served.reconcile(pkgbase, desiredServedState(db, pkgbase));
    } catch (error) {
      throw new GitError(`publishing ${pkgbase} failed: ${describeError(error)}`, { pkgbase, cause: error });
    }
  });
}

/** Start-up repair: every package with approvals or a served repo is reconciled. Failures are logged per package. */
export async function reconcileAll(db: Db, served: ServedRepos, logger: Logger): Promise<{ repaired: number; failed: number }> {
  const names = new Set([...pkgbasesWithDecisions(db), ...(await served.listPackages())]);
  let repaired = 0;
  let failed = 0;
  for (const pkgbase of names) {
    try {
      const result = await publishPackage(db, served, pkgbase);
      if (result.pushed.length > 0 || result.removed.length > 0) {
        repaired += 1;
        logger.warn({ pkgbase, pushed: result.pushed, removed: result.removed }, 'served repo repaired to match the database');
      }
    } catch (error) {
      failed += 1;
      logger.error({ pkgbase, err: describeError(error) }, 'served repo repair failed');
    }
  }
  return { repaired, failed };
}
