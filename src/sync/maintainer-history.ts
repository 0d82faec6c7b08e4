import type { Db } from '../db/open.js';
import { sameOwnership, type Ownership, type OwnershipObservation } from '../review/signals.js';

interface HistoryRow {
  pkgbase: string;
  observed_at: number;
  maintainer: string | null;
  co_maintainers: string;
  submitter: string | null;
  previous_maintainer: string | null;
  first_seen: number;
}

/** Bounds what one package's timeline (the package page, the assessment) reads. */
const MAX_TIMELINE_ROWS = 500;

function parseNames(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((name): name is string => typeof name === 'string') : [];
  } catch {
    return [];
  }
}

function toObservation(row: HistoryRow): OwnershipObservation {
  return {
    pkgbase: row.pkgbase,
    at: row.observed_at,
    maintainer: row.maintainer,
    coMaintainers: parseNames(row.co_maintainers),
    submitter: row.submitter,
    previousMaintainer: row.previous_maintainer,
    firstSeen: row.first_seen === 1,
  };
}

const COLUMNS = 'pkgbase, observed_at, maintainer, co_maintainers, submitter, previous_maintainer, first_seen';

/**
 * Records what the RPC reported for each pkgbase, writing a row only where it differs from the last
 * one. Returns the rows written. The caller runs it inside its transaction.
 */
export function recordOwnership(db: Db, observed: ReadonlyMap<string, Ownership>, at: number): OwnershipObservation[] {
  const last = db.prepare(`SELECT ${COLUMNS} FROM maintainer_history WHERE pkgbase = ? ORDER BY id DESC LIMIT 1`);
  const insert = db.prepare(`INSERT INTO maintainer_history (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`);
  const written: OwnershipObservation[] = [];
  for (const [pkgbase, ownership] of observed) {
    const row = last.get(pkgbase) as HistoryRow | undefined;
    const previous = row ? toObservation(row) : null;
    if (previous && sameOwnership(previous, ownership)) continue;
    const observation: OwnershipObservation = {
      pkgbase,
      at,
      ...ownership,
      previousMaintainer: previous?.maintainer ?? null,
      firstSeen: previous === null,
    };
    insert.run(
      pkgbase,
      at,
      ownership.maintainer,
      JSON.stringify(ownership.coMaintainers),
      ownership.submitter,
      observation.previousMaintainer,
      previous ? 0 : 1,
    );
    written.push(observation);
  }
  return written;
}

/** One package's timeline, oldest first (the latest rows when it is very long). */
export function ownershipHistory(db: Db, pkgbase: string): OwnershipObservation[] {
  const rows = db
    .prepare(`SELECT ${COLUMNS} FROM maintainer_history WHERE pkgbase = ? ORDER BY id DESC LIMIT ?`)
    .all(pkgbase, MAX_TIMELINE_ROWS) as HistoryRow[];
  return rows.reverse().map(toObservation);
}

/** Every ownership change of any package observed since `since` (epoch ms), oldest first. */
export function ownershipChangesSince(db: Db, since: number): OwnershipObservation[] {
  const rows = db
    .prepare(`SELECT ${COLUMNS} FROM maintainer_history WHERE observed_at >= ? AND first_seen = 0 ORDER BY observed_at, id`)
    .all(since) as HistoryRow[];
  return rows.map(toObservation);
}
