import { LRUCache } from 'lru-cache';
import type { Catalog } from '../../store/served-catalog.js';
import { CatalogIndex } from './catalog-index.js';
import type { Rendered } from './shape.js';

/** A rendered answer by request key, least recently used evicted first, bounded by entries and by bytes. */
export type ResponseCache = LRUCache<string, Rendered>;

/**
 * The byte budget counts each answer and its key (a POST key holds the body, up to the body limit).
 * One giant entry must not flush everything else: one over an eighth of the budget is not kept, and
 * such requests are simply recomputed.
 */
export function responseCache(limits: CacheLimits): ResponseCache {
  return new LRUCache<string, Rendered>({
    max: limits.maxEntries,
    maxSize: limits.maxBytes,
    maxEntrySize: limits.maxBytes / 8,
    sizeCalculation: (value, key) => Math.max(1, value.size + key.length * 2),
  });
}

export interface CacheLimits {
  /** Entries per cache (there are two: raw request → response, normalized request → response). */
  maxEntries: number;
  maxBytes: number;
}

export const DEFAULT_CACHE_LIMITS: CacheLimits = { maxEntries: 4096, maxBytes: 64 * 1024 * 1024 };

/** Everything derived from one catalog generation; replaced wholesale when the generation moves. */
export interface Snapshot {
  readonly generation: number;
  readonly index: CatalogIndex;
  /** Keyed by the request exactly as received (path+query, or method+path+body): the hot path. */
  readonly raw: ResponseCache;
  /** Keyed by the validated plan, so yay's GET and paru's POST for the same names share a body. */
  readonly normalized: ResponseCache;
}

/**
 * Holds the current snapshot. `generation()` is checked on every request (the catalog promises it
 * is cheap); the index and caches are rebuilt lazily on the first request after a change, so a
 * burst of approvals costs nothing until someone asks.
 */
export class RpcState {
  private snapshot: Snapshot | undefined;

  constructor(
    private readonly catalog: Catalog,
    private readonly limits: CacheLimits = DEFAULT_CACHE_LIMITS,
  ) {}

  current(): Snapshot {
    const generation = this.catalog.generation();
    const snap = this.snapshot;
    if (snap !== undefined && snap.generation === generation) return snap;
    const fresh: Snapshot = {
      generation,
      index: new CatalogIndex(this.catalog.packages()),
      raw: responseCache(this.limits),
      normalized: responseCache(this.limits),
    };
    this.snapshot = fresh;
    return fresh;
  }
}
