import type { TileCoordinate } from './tiles.js';

/**
 * The read-only view of the approval log and the signing keys that the public routes serve. Serving
 * code depends on this interface only (like the served catalog): it never sees the database or the
 * private keys.
 */
export interface PublishedLog {
  /** The log origin: the checkpoint's first line and the note key name. */
  readonly origin: string;
  /** The pinned-keys text: one note verifier key per line, every key ever used, the active one last. */
  pinnedKeys(): string;
  /** The latest signed checkpoint (a C2SP signed note). */
  checkpoint(): string;
  /** Entries in the tree now (what a proof's size may be at most). */
  size(): number;
  /** A C2SP tile, or null when the log does not (yet) hold all of it. */
  tile(tile: TileCoordinate): Buffer | null;
  inclusionProof(index: number, size: number): Buffer[];
  consistencyProof(from: number, to: number): Buffer[];
  /** Every attestation about one revision as `.intoto.jsonl` (empty when there is none). */
  attestations(pkgbase: string, commit: string): string;
}

/** Where a lock entry finds its approval: the `.intoto.jsonl` file, the entry's digest and its log index. */
export interface AttestationRef {
  url: string;
  sha256: string;
  logIndex: number;
}

export function attestationUrl(server: string, pkgbase: string, commit: string): string {
  return `${server.replace(/\/+$/, '')}/attestations/${pkgbase}/${commit}.intoto.jsonl`;
}

/**
 * The log origin for a public URL: its host (with port) and path, no scheme, e.g.
 * `aur.example.com` or `example.com/aurgate`. A note key name may not contain '+' or spaces, which a
 * parsed URL's host and path never do.
 */
export function logOriginOf(publicUrl: string): string {
  const url = new URL(publicUrl);
  return `${url.host}${url.pathname.replace(/\/+$/, '')}`;
}
