import type { Catalog } from '../catalog.js';
import { CatalogIndex } from './catalog-index.js';
import type { Rendered } from './shape.js';

/**
 * A least-recently-used map bounded by entry count and by bytes. A Map iterates in insertion
 * order, so re-inserting on every hit keeps the oldest entry first, where eviction looks.
 */
export class Lru<V extends { readonly size: number }> {
  private readonly map = new Map<string, V>();
  private bytes = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
  ) {}

  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    const cost = value.size + key.length * 2;
    // One giant entry must not flush everything else; such requests are simply recomputed.
    if (cost > this.maxBytes / 8) return;
    const old = this.map.get(key);
    if (old !== undefined) {
      this.map.delete(key);
      this.bytes -= old.size + key.length * 2;
    }
    this.map.set(key, value);
    this.bytes += cost;
    for (const [k, v] of this.map) {
      if (this.map.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.map.delete(k);
      this.bytes -= v.size + k.length * 2;
    }
  }

  get size(): number {
    return this.map.size;
  }
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
  readonly raw: Lru<Rendered>;
  /** Keyed by the validated plan, so yay's GET and paru's POST for the same names share a body. */
  readonly normalized: Lru<Rendered>;
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
      raw: new Lru(this.limits.maxEntries, this.limits.maxBytes),
      normalized: new Lru(this.limits.maxEntries, this.limits.maxBytes),
    };
    this.snapshot = fresh;
    return fresh;
  }
}
