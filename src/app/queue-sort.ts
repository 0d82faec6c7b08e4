import type { RevisionClass } from '../review/classify-types.js';
import type { Severity } from '../review/risk/index.js';

export type QueueSort = 'risk' | 'class' | 'age';
export const QUEUE_SORTS: readonly QueueSort[] = ['risk', 'class', 'age'];

/** A sort named by a query string or a CLI flag; anything unknown falls back to the default, risk. */
export function parseQueueSort(value: string | undefined): QueueSort {
  return QUEUE_SORTS.find((sort) => sort === value) ?? 'risk';
}

/** What the queue sorts on: flag counts per severity, the class (null: not classified), the recording time. */
export interface Sortable {
  flags: Record<Severity, number>;
  class: RevisionClass | null;
  recordedAt: number;
  pkgbase: string;
}

/**
 * Classes from the one that needs the closest reading to the one that needs the least. An unclassified
 * revision (the analysis failed) and a first revision (nothing to compare with) come first.
 */
const CLASS_RANK: Record<RevisionClass | 'unclassified', number> = {
  unclassified: 0,
  'first-revision': 1,
  'install-time-code-changed': 2,
  'build-logic-changed': 3,
  'sources-changed': 4,
  'metadata-only': 5,
  routine: 6,
};

export function classRank(cls: RevisionClass | null): number {
  return CLASS_RANK[cls ?? 'unclassified'];
}

const byRisk = (a: Sortable, b: Sortable): number => b.flags.high - a.flags.high || b.flags.medium - a.flags.medium || b.flags.low - a.flags.low;
const byClass = (a: Sortable, b: Sortable): number => classRank(a.class) - classRank(b.class);
const byAge = (a: Sortable, b: Sortable): number => a.recordedAt - b.recordedAt || a.pkgbase.localeCompare(b.pkgbase);

/**
 * The queue in the reviewer's order: by risk (most high flags first, then medium, then low; ties by
 * class), by class (most demanding first; ties by risk), or by age (oldest first). Ties end oldest first.
 */
export function sortQueue<T>(entries: readonly T[], sort: QueueSort, key: (entry: T) => Sortable): T[] {
  const order =
    sort === 'risk'
      ? (a: Sortable, b: Sortable) => byRisk(a, b) || byClass(a, b) || byAge(a, b)
      : sort === 'class'
        ? (a: Sortable, b: Sortable) => byClass(a, b) || byRisk(a, b) || byAge(a, b)
        : byAge;
  return [...entries].sort((a, b) => order(key(a), key(b)));
}
