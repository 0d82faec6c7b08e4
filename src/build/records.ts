import type { Db } from '../db/open.js';
import { inTransaction } from '../db/open.js';

/** Builds of approved revisions and the package files they produced (tables builds, build_packages). */

export type BuildState = 'queued' | 'running' | 'succeeded' | 'failed';

export interface BuildRecord {
  id: number;
  pkgbase: string;
  commit: string;
  builder: string;
  state: BuildState;
  trigger: string;
  requestedBy: string | null;
  queuedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  sourceDateEpoch: number | null;
  networkIsolated: boolean;
  error: string | null;
}

export interface BuiltPackage {
  filename: string;
  pkgname: string;
  version: string;
  arch: string;
  sha256: string;
  size: number;
}

interface BuildRow {
  id: number;
  pkgbase: string;
  commit_id: string;
  builder: string;
  state: BuildState;
  trigger: string;
  requested_by: string | null;
  queued_at: number;
  started_at: number | null;
  finished_at: number | null;
  source_date_epoch: number | null;
  network_isolated: number;
  error: string | null;
}

function toRecord(row: BuildRow): BuildRecord {
  return {
    id: row.id,
    pkgbase: row.pkgbase,
    commit: row.commit_id,
    builder: row.builder,
    state: row.state,
    trigger: row.trigger,
    requestedBy: row.requested_by,
    queuedAt: row.queued_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    sourceDateEpoch: row.source_date_epoch,
    networkIsolated: row.network_isolated === 1,
    error: row.error,
  };
}

export function queueBuild(
  db: Db,
  build: { pkgbase: string; commit: string; builder: string; trigger: string; requestedBy: string | null },
  at = Date.now(),
): BuildRecord {
  const id = db
    .prepare("INSERT INTO builds (pkgbase, commit_id, builder, state, trigger, requested_by, queued_at) VALUES (?, ?, ?, 'queued', ?, ?, ?)")
    .run(build.pkgbase, build.commit, build.builder, build.trigger, build.requestedBy, at).lastInsertRowid;
  return getBuild(db, Number(id)) as BuildRecord;
}

/** What a running build records once it knows them: the epoch it builds at and whether it is offline. */
export function recordBuildFacts(db: Db, id: number, facts: { sourceDateEpoch: number; networkIsolated: boolean }): void {
  db.prepare('UPDATE builds SET source_date_epoch = ?, network_isolated = ? WHERE id = ?').run(
    facts.sourceDateEpoch,
    facts.networkIsolated ? 1 : 0,
    id,
  );
}

/** Closes a build: its packages and the state in one transaction, so a succeeded build always lists them. */
export function finishBuild(db: Db, id: number, outcome: { packages: readonly BuiltPackage[] } | { error: string }, at = Date.now()): void {
  inTransaction(db, () => {
    if ('error' in outcome) {
      db.prepare("UPDATE builds SET state = 'failed', finished_at = ?, error = ? WHERE id = ?").run(at, outcome.error, id);
      return;
    }
    const insert = db.prepare('INSERT INTO build_packages (build_id, filename, pkgname, version, arch, sha256, size) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const pkg of outcome.packages) insert.run(id, pkg.filename, pkg.pkgname, pkg.version, pkg.arch, pkg.sha256, pkg.size);
    db.prepare("UPDATE builds SET state = 'succeeded', finished_at = ? WHERE id = ?").run(at, id);
  });
}

/** Builds a killed process left running are closed as failed (what they did is lost with the process); queued ones stay queued. */
export function failInterruptedBuilds(db: Db, reason: string, at = Date.now()): number {
  return db.prepare("UPDATE builds SET state = 'failed', finished_at = ?, error = ? WHERE state = 'running'").run(at, reason).changes;
}

/** Takes the oldest queued build (queued → running in one statement, so two runners never take the same one). */
export function claimNextBuild(db: Db, at = Date.now()): BuildRecord | null {
  const row = db
    .prepare(
      "UPDATE builds SET state = 'running', started_at = ? WHERE id = (SELECT id FROM builds WHERE state = 'queued' ORDER BY id LIMIT 1) AND state = 'queued' RETURNING *",
    )
    .get(at) as BuildRow | undefined;
  return row ? toRecord(row) : null;
}

/** Takes this queued build (the CLI runs the build it just queued). */
export function claimBuild(db: Db, id: number, at = Date.now()): BuildRecord | null {
  const row = db.prepare("UPDATE builds SET state = 'running', started_at = ? WHERE id = ? AND state = 'queued' RETURNING *").get(at, id) as
    BuildRow | undefined;
  return row ? toRecord(row) : null;
}

/** A build of this commit that is queued, running or succeeded: a new one would only repeat it. */
export function activeOrBuilt(db: Db, pkgbase: string, commit: string): BuildRecord | null {
  const row = db
    .prepare("SELECT * FROM builds WHERE pkgbase = ? AND commit_id = ? AND state IN ('queued', 'running', 'succeeded') ORDER BY id DESC LIMIT 1")
    .get(pkgbase, commit) as BuildRow | undefined;
  return row ? toRecord(row) : null;
}

export function getBuild(db: Db, id: number): BuildRecord | null {
  const row = db.prepare('SELECT * FROM builds WHERE id = ?').get(id) as BuildRow | undefined;
  return row ? toRecord(row) : null;
}

export function listBuilds(db: Db, options: { pkgbase?: string; limit?: number } = {}): BuildRecord[] {
  const rows = options.pkgbase
    ? db.prepare('SELECT * FROM builds WHERE pkgbase = ? ORDER BY id DESC LIMIT ?').all(options.pkgbase, options.limit ?? 50)
    : db.prepare('SELECT * FROM builds ORDER BY id DESC LIMIT ?').all(options.limit ?? 50);
  return (rows as BuildRow[]).map(toRecord);
}

export function buildPackages(db: Db, id: number): BuiltPackage[] {
  return db
    .prepare('SELECT filename, pkgname, version, arch, sha256, size FROM build_packages WHERE build_id = ? ORDER BY filename')
    .all(id) as BuiltPackage[];
}

/** The newest successful build of a commit, or null. */
export function latestSucceededBuild(db: Db, pkgbase: string, commit: string): BuildRecord | null {
  const row = db
    .prepare("SELECT * FROM builds WHERE pkgbase = ? AND commit_id = ? AND state = 'succeeded' ORDER BY id DESC LIMIT 1")
    .get(pkgbase, commit) as BuildRow | undefined;
  return row ? toRecord(row) : null;
}

/** Every package file a successful build of this pkgbase produced, with the commit it was built from. */
export function builtPackagesOf(db: Db, pkgbase: string): Array<BuiltPackage & { buildId: number; commit: string }> {
  return db
    .prepare(
      `SELECT p.filename, p.pkgname, p.version, p.arch, p.sha256, p.size, b.id AS buildId, b.commit_id AS "commit"
       FROM build_packages p JOIN builds b ON b.id = p.build_id
       WHERE b.pkgbase = ? AND b.state = 'succeeded' ORDER BY b.id`,
    )
    .all(pkgbase) as Array<BuiltPackage & { buildId: number; commit: string }>;
}
