import type { Db } from '../db/open.js';
import { InvalidInput, MissingDependencies, NotFound } from '../errors.js';
import { mirroredPkgbaseOf } from '../quarantine/packages.js';
import { getRevision } from '../quarantine/revisions.js';
import { aurName } from '../sync/aur-names.js';
import { unavailableMessage, type Catalog, type ServedLookup } from '../store/served-catalog.js';
import { assertPackageName } from '../srcinfo/names.js';
import type { SnapshotStore } from '../store/snapshots.js';
import { attestationUrl } from '../trust/published-log.js';
import { resolveClosure, type ClosureEntry, type ServedNode } from '../pin/closure.js';
import { dependencyTarget } from '../srcinfo/rpc-fields.js';
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
  lookup: ServedLookup & Pick<Catalog, 'packages'>;
  snapshots: SnapshotStore;
  publicUrl: string;
  /** The approval log: each entry names the signed approval of its revision. */
  attestations?: { approvalOf(pkgbase: string, commit: string): { index: number; digest: string } | null };
  now?: () => Date;
}

export interface LockOptions {
  /** Write the lock even when AUR dependencies are not served; the gaps go into its `missing` field. */
  allowMissing?: boolean;
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

/** What a dependency name is to this server: a served pkgname, an AUR package it cannot serve, or neither. */
export type DependencyStatus =
  { kind: 'served'; pkgname: string; pkgbase: string; version: string } | { kind: 'missing'; reason: string } | { kind: 'external' };

const REASONS = { 'awaiting-review': 'awaiting review', rejected: 'rejected', revoked: 'revoked' } as const;

/**
 * How aurgate tells an AUR dependency from an official-repository one without asking upstream (the
 * lock is answered by the server, which never does): a name is an AUR package when it is served, or
 * provided by a served package, or on the allowlist, or known to the mirror (a pkgbase it tracks or a
 * pkgname in the upstream metadata it recorded), or one the sync found in the AUR when it asked which
 * dependency names the AUR knows. Anything else is taken to come from the official repositories:
 * aurgate cannot serve it either way.
 */
export function dependencyStatus(deps: Pick<LockDeps, 'db' | 'lookup'>, name: string): DependencyStatus {
  const served = deps.lookup.packages();
  const pkg =
    served.find((candidate) => candidate.Name === name) ??
    served.find((candidate) => candidate.Provides.some((provided) => dependencyTarget(provided) === name));
  if (pkg) return { kind: 'served', pkgname: pkg.Name, pkgbase: pkg.PackageBase, version: pkg.Version };
  const reason = missingReason(deps, name);
  return reason === null ? { kind: 'external' } : { kind: 'missing', reason };
}

/** Why an AUR package is not served, or null when it is not known as an AUR package. */
function missingReason(deps: Pick<LockDeps, 'db' | 'lookup'>, name: string): string | null {
  const availability = deps.lookup.availability(name);
  if (availability.kind === 'served') return 'served without a usable .SRCINFO';
  if (availability.reason !== 'not-allowlisted' && availability.reason !== 'unknown') return REASONS[availability.reason];
  const mirrored = mirroredPkgbaseOf(deps.db, name);
  if (mirrored === null) {
    const upstream = aurName(deps.db, name);
    return upstream?.known ? `not on the allowlist (an AUR package, pkgbase ${upstream.pkgbase})` : null;
  }
  // A split sibling of an allowlisted pkgbase waits for the same review as the pkgname that is listed.
  const base = mirrored === name ? availability : deps.lookup.availability(mirrored);
  return base.kind === 'unavailable' && base.reason in REASONS ? REASONS[base.reason as keyof typeof REASONS] : 'not on the allowlist';
}

/**
 * Pins the served head of each named package (pkgname or pkgbase) and of its AUR dependency closure,
 * in build order. Every name is resolved before any archive is built: one unserved name, or an AUR
 * dependency that is not served (unless allowMissing), fails the whole lock, since a partial lock
 * would let a build silently skip a package. The snapshot is built (or read from the cache) here so
 * its sha256 is recorded before anyone is told to expect it.
 */
export async function createLock(deps: LockDeps, rawNames: readonly string[], options: LockOptions = {}): Promise<LockFile> {
  const names = normalizeNames(rawNames);
  const roots: Array<{ pkgname: string; pkgbase: string }> = [];
  const commits = new Map<string, string>();
  const problems: string[] = [];
  for (const name of names) {
    const availability = deps.lookup.availability(name);
    if (availability.kind === 'served') {
      roots.push({ pkgname: name, pkgbase: availability.pkgbase });
      commits.set(availability.pkgbase, availability.commit);
    } else problems.push(unavailableMessage(name, availability).replace(/^aurgate: /, ''));
  }
  if (problems.length > 0) {
    throw new NotFound(`cannot lock: ${problems.join('; ')}`, { pkgname: names.find((name) => !roots.some((entry) => entry.pkgname === name)) });
  }
  const served = deps.lookup.packages();
  for (const pkg of served) if (!commits.has(pkg.PackageBase)) commits.set(pkg.PackageBase, pkg.commit);
  const nodes: ServedNode[] = served.map((pkg) => ({
    pkgname: pkg.Name,
    pkgbase: pkg.PackageBase,
    dependencies: [...pkg.Depends, ...pkg.MakeDepends, ...pkg.CheckDepends],
    provides: pkg.Provides,
  }));
  const closure = resolveClosure({ roots, served: nodes, missingReason: (name) => missingReason(deps, name) });
  if (closure.missing.length > 0 && !options.allowMissing) throw new MissingDependencies(closure.missing);
  if (closure.entries.length > MAX_LOCK_PACKAGES)
    throw new InvalidInput(`a lock holds at most ${MAX_LOCK_PACKAGES} packages; these names and their dependencies are ${closure.entries.length}`);
  const packages: LockEntry[] = [];
  for (const entry of closure.entries) packages.push(await pin(deps, entry, commits.get(entry.pkgbase) ?? ''));
  return {
    version: LOCK_FORMAT_VERSION,
    server: deps.publicUrl,
    generatedAt: (deps.now?.() ?? new Date()).toISOString(),
    packages,
    ...(closure.missing.length > 0 ? { missing: closure.missing } : {}),
  };
}

async function pin(deps: LockDeps, entry: ClosureEntry, commit: string): Promise<LockEntry> {
  const { pkgname, pkgbase } = entry;
  const revision = (deps.approvedRevision ?? ((base, id) => approvedInDatabase(deps.db, base, id)))(pkgbase, commit);
  // The catalog may be a moment behind a revocation made by another process; never pin what is no longer approved.
  if (!revision) throw new NotFound(`cannot lock: ${pkgname} (${pkgbase} ${commit}) is no longer approved`, { pkgname, pkgbase, commit });
  const snapshot = await deps.snapshots.get(pkgbase, commit);
  const approval = deps.attestations?.approvalOf(pkgbase, commit) ?? null;
  return {
    pkgname,
    pkgbase,
    version: revision.version,
    commit,
    url: snapshotUrl(deps.publicUrl, pkgbase, commit),
    sha256: snapshot.sha256,
    approvedBy: revision.approvedBy,
    approvedAt: revision.approvedAt === null ? null : new Date(revision.approvedAt).toISOString(),
    ...(approval ? { attestation: { url: attestationUrl(deps.publicUrl, pkgbase, commit), sha256: approval.digest, logIndex: approval.index } } : {}),
    requested: entry.requested,
    requiredBy: entry.requiredBy,
    dependencies: entry.dependencies,
  };
}

function approvedInDatabase(db: Db, pkgbase: string, commit: string): ApprovedRevisionFacts | null {
  const revision = getRevision(db, pkgbase, commit);
  return revision?.state === 'approved' ? { version: revision.version, approvedBy: revision.decidedBy, approvedAt: revision.decidedAt } : null;
}
