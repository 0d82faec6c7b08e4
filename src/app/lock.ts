import type { Db } from '../db/open.js';
import { InvalidInput, NotFound } from '../errors.js';
import { getRevision } from '../quarantine/revisions.js';
import { unavailableMessage, type ServedLookup } from '../store/served-catalog.js';
import { assertPackageName } from '../srcinfo/names.js';
import type { SnapshotStore } from '../store/snapshots.js';
import { attestationUrl } from '../trust/published-log.js';
import { LOCK_FORMAT_VERSION, MAX_LOCK_PACKAGES, snapshotUrl, type LockEntry, type LockFile } from '../pin/lock-file.js';

export { LOCK_FORMAT_VERSION, MAX_LOCK_PACKAGES, snapshotUrl, type LockEntry, type LockFile } from '../pin/lock-file.js';

/** An approved revision as a lock entry describes it. */
export interface ApprovedRevisionFacts {
  version: string | null;
  approvedBy: string | null;
  /** Epoch ms. */
  approvedAt: number | null;
}

export interface LockDeps {
  db: Db;
  /** Where approved revisions are looked up instead of the database's revisions (a replica's own records). */
  approvedRevision?: (pkgbase: string, commit: string) => ApprovedRevisionFacts | null;
  lookup: ServedLookup;
  snapshots: SnapshotStore;
  publicUrl: string;
  /** The approval log: each entry names the signed approval of its revision. */
  attestations?: { approvalOf(pkgbase: string, commit: string): { index: number; digest: string } | null };
  now?: () => Date;
}

/** Splits `a,b` forms and drops duplicates, keeping the first occurrence (the order is the build order). */
export function normalizeNames(raw: readonly string[]): string[] {
  const names = raw
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean);
  if (names.length === 0) throw new InvalidInput('name at least one package to lock');
  const unique = [...new Set(names)];
  if (unique.length > MAX_LOCK_PACKAGES) throw new InvalidInput(`a lock holds at most ${MAX_LOCK_PACKAGES} packages, got ${unique.length}`);
  return unique.map((name) => assertPackageName(name));
}

/**
 * Pins the served head of each named package (pkgname or pkgbase). Every name is resolved before any
 * archive is built, and one unserved name fails the whole lock: a partial lock would let a build
 * silently skip a package. The snapshot is built (or read from the cache) here so its sha256 is
 * recorded before anyone is told to expect it.
 */
export async function createLock(deps: LockDeps, rawNames: readonly string[]): Promise<LockFile> {
  const names = normalizeNames(rawNames);
  const resolved: Array<{ name: string; pkgbase: string; commit: string }> = [];
  const problems: string[] = [];
  for (const name of names) {
    const availability = deps.lookup.availability(name);
    if (availability.kind === 'served') resolved.push({ name, pkgbase: availability.pkgbase, commit: availability.commit });
    else problems.push(unavailableMessage(name, availability).replace(/^aurgate: /, ''));
  }
  if (problems.length > 0) {
    throw new NotFound(`cannot lock: ${problems.join('; ')}`, { pkgname: names.find((name) => !resolved.some((entry) => entry.name === name)) });
  }
  const packages: LockEntry[] = [];
  for (const { name, pkgbase, commit } of resolved) {
    const revision = (deps.approvedRevision ?? ((base, id) => approvedInDatabase(deps.db, base, id)))(pkgbase, commit);
    // The catalog may be a moment behind a revocation made by another process; never pin what is no longer approved.
    if (!revision) throw new NotFound(`cannot lock: ${name} (${pkgbase} ${commit}) is no longer approved`, { pkgname: name, pkgbase, commit });
    const snapshot = await deps.snapshots.get(pkgbase, commit);
    const approval = deps.attestations?.approvalOf(pkgbase, commit) ?? null;
    packages.push({
      pkgname: name,
      pkgbase,
      version: revision.version,
      commit,
      url: snapshotUrl(deps.publicUrl, pkgbase, commit),
      sha256: snapshot.sha256,
      approvedBy: revision.approvedBy,
      approvedAt: revision.approvedAt === null ? null : new Date(revision.approvedAt).toISOString(),
      ...(approval
        ? { attestation: { url: attestationUrl(deps.publicUrl, pkgbase, commit), sha256: approval.digest, logIndex: approval.index } }
        : {}),
    });
  }
  return { version: LOCK_FORMAT_VERSION, server: deps.publicUrl, generatedAt: (deps.now?.() ?? new Date()).toISOString(), packages };
}

function approvedInDatabase(db: Db, pkgbase: string, commit: string): ApprovedRevisionFacts | null {
  const revision = getRevision(db, pkgbase, commit);
  return revision?.state === 'approved' ? { version: revision.version, approvedBy: revision.decidedBy, approvedAt: revision.decidedAt } : null;
}
