/**
 * Runs worker over items with at most `limit` in flight. Hand-written (a dozen lines) rather than a
 * dependency because it also has to keep going when one item fails: the worker reports its own errors.
 */
export async function forEachConcurrently<T>(items: readonly T[], limit: number, worker: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await worker(item);
    }
  });
  await Promise.all(lanes);
}
