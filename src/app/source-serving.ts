import type { Db } from '../db/open.js';
import { NotFound } from '../errors.js';
import { shellWord } from '../pin/format.js';
import { snapshotUrl } from '../pin/lock-file.js';
import { getRevision } from '../quarantine/revisions.js';
import type { BlobStore } from '../sources/blob-store.js';
import { getAcceptance, getBlob, listRevisionSources, revisionsUsingBlob, type RevisionSource } from '../sources/records.js';
import { isFullCommitId, isValidPackageName } from '../srcinfo/names.js';
import { attestationUrl } from '../trust/published-log.js';

/**
 * What the serving side reads of the source cache: the per-revision manifest, the SRCDEST pre-fill
 * script and verified blobs. Nothing here reaches upstream; only approved revisions are answered.
 */
export const SOURCE_MANIFEST_VERSION = 1;

export interface SourceServingDeps {
  db: Db;
  blobs: BlobStore;
  publicUrl: string;
  /** Is the revision approved here now (a primary's reviews, a replica's verified log)? Nothing else is answered. */
  isApproved: (pkgbase: string, commit: string) => boolean;
}

export interface ManifestSource {
  arch: string;
  filename: string;
  url: string;
  kind: RevisionSource['kind'];
  /** False for SKIP checksums and for VCS sources without a `#commit=`. */
  pinned: boolean;
  /** The strongest checksum of the PKGBUILD, which the stored bytes were verified against. */
  checksum: { algorithm: string; value: string } | null;
  status: RevisionSource['status'];
  sha256: string | null;
  size: number | null;
  /** The immutable URL of the stored bytes. */
  href: string | null;
  vcsCommit: string | null;
  error: string | null;
}

export interface SourceManifest {
  version: typeof SOURCE_MANIFEST_VERSION;
  pkgbase: string;
  commit: string;
  /**
   * The signed approval of this commit. The manifest's URLs, file names and checksums are a function
   * of the attested commit's .SRCINFO, so whoever verified the attestation can recompute and check
   * them; the sha256 of each blob is then checked against the bytes.
   */
  attestation: string;
  snapshot: string;
  acceptedUnpinned: { by: string; at: string; note: string } | null;
  sources: ManifestSource[];
}

export function sourceHref(publicUrl: string, sha256: string, filename: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/sources/${sha256}/${encodeURIComponent(filename)}`;
}

/** A primary's answer to SourceServingDeps.isApproved. */
export function approvedOnPrimary(db: Db, pkgbase: string, commit: string): boolean {
  return getRevision(db, pkgbase, commit)?.state === 'approved';
}

export function sourceManifest(deps: SourceServingDeps, pkgbase: string, commit: string): SourceManifest {
  if (!isValidPackageName(pkgbase) || !isFullCommitId(commit) || !deps.isApproved(pkgbase, commit))
    throw new NotFound(`${pkgbase} ${commit} is not an approved revision`, { pkgbase, commit });
  const acceptance = getAcceptance(deps.db, pkgbase, commit);
  return {
    version: SOURCE_MANIFEST_VERSION,
    pkgbase,
    commit,
    attestation: attestationUrl(deps.publicUrl, pkgbase, commit),
    snapshot: snapshotUrl(deps.publicUrl, pkgbase, commit),
    acceptedUnpinned: acceptance ? { by: acceptance.acceptedBy, at: new Date(acceptance.acceptedAt).toISOString(), note: acceptance.note } : null,
    sources: listRevisionSources(deps.db, pkgbase, commit).map((row) => ({
      arch: row.arch,
      filename: row.filename,
      url: row.url,
      kind: row.kind,
      pinned: row.pinned,
      checksum: row.algorithm && row.digest ? { algorithm: row.algorithm, value: row.digest } : null,
      status: row.status,
      sha256: row.sha256,
      size: row.sha256 ? (getBlob(deps.db, row.sha256)?.size ?? null) : null,
      href: row.sha256 ? sourceHref(deps.publicUrl, row.sha256, row.filename) : null,
      vcsCommit: row.vcsCommit,
      error: row.error,
    })),
  };
}

/**
 * A POSIX sh script that fills `$SRCDEST` (default: the current directory) with the revision's cached
 * sources for `$CARCH` (default `uname -m`), each checked with sha256sum before it takes its name.
 * makepkg then finds every file in SRCDEST and downloads nothing. A source that is not in the cache
 * stops the script before anything is fetched: a half-filled SRCDEST would send makepkg online.
 */
export function srcdestScript(deps: SourceServingDeps, pkgbase: string, commit: string): string {
  const manifest = sourceManifest(deps, pkgbase, commit);
  const lines = [
    '#!/bin/sh',
    `# aurgate: pre-fills SRCDEST with the cached sources of ${pkgbase} ${commit}`,
    `# manifest: ${deps.publicUrl.replace(/\/+$/, '')}/sources/${pkgbase}/${commit}/manifest.json`,
    'set -eu',
    'dest="${SRCDEST:-.}"',
    'arch="${CARCH:-$(uname -m)}"',
    'mkdir -p "$dest"',
    'fetch() {',
    '  part="$dest/.aurgate-$2.part"',
    '  curl --fail --silent --show-error --location --proto =http,https -o "$part" "$3"',
    '  if ! printf \'%s  %s\\n\' "$1" "$part" | sha256sum --check --status; then',
    '    rm -f "$part"; echo "aurgate: $2 does not match sha256 $1" >&2; exit 1',
    '  fi',
    '  mv -f "$part" "$dest/$2"',
    '}',
  ];
  const byArch = new Map<string, ManifestSource[]>();
  for (const source of manifest.sources) byArch.set(source.arch, [...(byArch.get(source.arch) ?? []), source]);
  for (const [arch, sources] of byArch) {
    const body = sources.flatMap((source) => scriptLines(pkgbase, source));
    if (body.length === 0) continue;
    if (arch === 'any') lines.push(...body);
    else lines.push(`if [ "$arch" = ${shellWord(arch)} ]; then`, ...body.map((line) => `  ${line}`), 'fi');
  }
  return `${lines.join('\n')}\n`;
}

function scriptLines(pkgbase: string, source: ManifestSource): string[] {
  if (source.kind === 'local') return [];
  if (source.kind === 'vcs') return [`echo ${shellWord(`aurgate: ${source.filename} is a VCS source; makepkg fetches it from ${source.url}`)} >&2`];
  if (source.status !== 'stored' || !source.sha256 || !source.href) {
    const why = source.error ?? `status ${source.status}`;
    return [`echo ${shellWord(`aurgate: ${pkgbase} source ${source.filename} is not in the cache (${why})`)} >&2`, 'exit 1'];
  }
  return [`fetch ${source.sha256} ${shellWord(source.filename)} ${shellWord(source.href)}`];
}

/** A blob for `/sources/<sha256>/<filename>`: only under a name an approved revision gives it, re-hashed before it is sent. */
export async function servedBlob(deps: SourceServingDeps, sha256: string, filename: string): Promise<{ path: string; size: number }> {
  const uses = getBlob(deps.db, sha256) ? revisionsUsingBlob(deps.db, sha256) : [];
  if (!uses.some((use) => use.filename === filename && deps.isApproved(use.pkgbase, use.commit)))
    throw new NotFound(`no approved revision uses source ${sha256} as ${filename}`);
  return deps.blobs.verify(sha256);
}
