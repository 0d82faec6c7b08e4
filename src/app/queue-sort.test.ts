import { describe, expect, it } from 'vitest';
import { parseQueueSort, sortQueue, type Sortable } from './queue-sort.js';

const entry = (pkgbase: string, over: Partial<Sortable> = {}): Sortable => ({
  pkgbase,
  flags: { high: 0, medium: 0, low: 0, info: 0 },
  class: 'routine',
  recordedAt: 1000,
  ...over,
});

const queue = [
  entry('old-routine', { recordedAt: 1 }),
  entry('risky', { flags: { high: 1, medium: 0, low: 0, info: 0 }, recordedAt: 5 }),
  entry('medium-install', { class: 'install-time-code-changed', flags: { high: 0, medium: 2, low: 0, info: 0 }, recordedAt: 3 }),
  entry('meta', { class: 'metadata-only', recordedAt: 2 }),
  entry('failed', { class: null, recordedAt: 4 }),
  entry('first', { class: 'first-revision', recordedAt: 6 }),
];
const names = (sorted: Sortable[]) => sorted.map((e) => e.pkgbase);

describe('sortQueue', () => {
  it('sorts by risk: high flags first, then medium, ties by class then age', () => {
    expect(names(sortQueue(queue, 'risk', (e) => e))).toEqual(['risky', 'medium-install', 'failed', 'first', 'meta', 'old-routine']);
  });

  it('sorts by class: unclassified and first revisions first, routine last, ties by risk', () => {
    expect(names(sortQueue(queue, 'class', (e) => e))).toEqual(['failed', 'first', 'medium-install', 'meta', 'risky', 'old-routine']);
  });

  it('sorts by age, oldest first, and leaves the input alone', () => {
    const copy = [...queue];
    expect(names(sortQueue(queue, 'age', (e) => e))).toEqual(['old-routine', 'meta', 'medium-install', 'failed', 'risky', 'first']);
    expect(queue).toEqual(copy);
  });

  it('reads a sort from untrusted input, defaulting to risk', () => {
    expect(parseQueueSort('class')).toBe('class');
    expect(parseQueueSort('age')).toBe('age');
    expect(parseQueueSort(undefined)).toBe('risk');
    expect(parseQueueSort('<script>')).toBe('risk');
  });
});
