import { LRUCache } from 'lru-cache';

/** An answer larger than this is not kept (a served repo's ls-refs answer is a few hundred bytes). */
export const MAX_CACHED_ANSWER_BYTES = 64 * 1024;
const MAX_CACHE_BYTES = 8 * 1024 * 1024;

/**
 * Small answers of upload-pack that depend only on the request and the served refs (the protocol v2
 * capability advertisement and ls-refs). Keeping them saves a git process per clone. Keys are built
 * from the parsed, normalised request plus everything else the answer depends on (the served master),
 * so a publish simply makes new keys; the cache is bounded in bytes, keys included.
 */
export function createAnswerCache(maxBytes = MAX_CACHE_BYTES): LRUCache<string, Uint8Array> {
  return new LRUCache<string, Uint8Array>({
    maxSize: maxBytes,
    maxEntrySize: MAX_CACHED_ANSWER_BYTES + 16 * 1024,
    sizeCalculation: (answer, key) => answer.byteLength + key.length * 2,
  });
}
