/**
 * Which stored sources may go, and whether a new one fits: pure rules over the blob list and the
 * references of approved revisions, so they are tested without a disk.
 */

export interface BlobInfo {
  sha256: string;
  size: number;
  storedAt: number;
}

export interface GcPlan {
  remove: BlobInfo[];
  keep: number;
  freedBytes: number;
}

/**
 * Blobs no approved revision uses. A blob younger than `graceMs` stays even when unreferenced: a
 * fetch in progress stores the blob a moment before its revision row names it, and a revision being
 * approved right now must not lose a source its fetch already brought in.
 */
export function selectGarbage(blobs: readonly BlobInfo[], inUse: ReadonlySet<string>, now: number, graceMs: number): GcPlan {
  const remove = blobs.filter((blob) => !inUse.has(blob.sha256) && now - blob.storedAt >= graceMs);
  return {
    remove,
    keep: blobs.length - remove.length,
    freedBytes: remove.reduce((sum, blob) => sum + blob.size, 0),
  };
}

/** The blobs approved revisions use: those of revisions whose key (`pkgbase commit`) is approved. */
export function blobsInUse(
  references: ReadonlyArray<{ pkgbase: string; commit: string; sha256: string }>,
  approved: ReadonlySet<string>,
): Set<string> {
  return new Set(references.filter((ref) => approved.has(revisionKey(ref.pkgbase, ref.commit))).map((ref) => ref.sha256));
}

export const revisionKey = (pkgbase: string, commit: string): string => `${pkgbase} ${commit}`;

export interface CapCheck {
  ok: boolean;
  /** Why not, for the error naming the package and source. */
  reason?: string;
}

/** A file fits when it is within the per-file cap and the store stays within the total cap. */
export function fitsCaps(size: number, storedBytes: number, caps: { maxFileBytes: number; maxTotalBytes: number }): CapCheck {
  if (size > caps.maxFileBytes) return { ok: false, reason: `${size} bytes is over the per-file cap of ${caps.maxFileBytes}` };
  if (storedBytes + size > caps.maxTotalBytes)
    return {
      ok: false,
      reason: `the cache holds ${storedBytes} bytes; ${size} more is over the total cap of ${caps.maxTotalBytes} (run aurgate sources gc)`,
    };
  return { ok: true };
}
