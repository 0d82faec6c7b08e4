import type { UpstreamMeta } from '../upstream/rpc-schema.js';

export interface MetaRow {
  label: string;
  before: string;
  after: string;
  changed: boolean;
  /** Changes of who controls the package matter most: a new maintainer can push anything. */
  important: boolean;
}

export interface MetaComparison {
  rows: MetaRow[];
  /** Things only the revisions in between show, e.g. an orphan that was adopted again. */
  notes: string[];
}

const date = (seconds: number | null): string => (seconds ? new Date(seconds * 1000).toISOString().slice(0, 10) : '—');
const person = (name: string | null): string => name ?? '(orphan)';

/**
 * Compares the upstream metadata recorded with the last approved revision and with the candidate.
 * `between` holds the metadata of revisions recorded in between (superseded or rejected), oldest
 * first: a package orphaned and adopted between two syncs of approved revisions shows up only there.
 */
export function compareMeta(base: UpstreamMeta | null, between: readonly UpstreamMeta[], candidate: UpstreamMeta | null): MetaComparison {
  const row = (label: string, pick: (meta: UpstreamMeta) => string, important = false): MetaRow => {
    const before = base ? pick(base) : '—';
    const after = candidate ? pick(candidate) : '—';
    return { label, before, after, changed: base !== null && candidate !== null && before !== after, important };
  };
  const rows = [
    row('Maintainer', (meta) => person(meta.Maintainer), true),
    row('Submitter', (meta) => meta.Submitter ?? '—', true),
    row('Co-maintainers', (meta) => (meta.CoMaintainers.length > 0 ? [...meta.CoMaintainers].sort().join(', ') : '—'), true),
    row('Out of date since', (meta) => date(meta.OutOfDate)),
    row('Votes', (meta) => String(meta.NumVotes)),
    row('Popularity', (meta) => meta.Popularity.toFixed(2)),
    row('First submitted', (meta) => date(meta.FirstSubmitted)),
    row('Last modified', (meta) => date(meta.LastModified)),
  ];
  const notes: string[] = [];
  const orphanedBetween = between.some((meta) => meta.Maintainer === null);
  if (base?.Maintainer && candidate?.Maintainer && orphanedBetween) {
    notes.push(`The package was orphaned after the last approved revision and adopted again by ${candidate.Maintainer}.`);
  }
  const maintainers = new Set([base, ...between, candidate].flatMap((meta) => (meta?.Maintainer ? [meta.Maintainer] : [])));
  if (maintainers.size > 2) notes.push(`The package changed hands more than once since the last approved revision: ${[...maintainers].join(' → ')}.`);
  if (!base) notes.push('No approved revision yet: this is the first review of the package.');
  return { rows, notes };
}
