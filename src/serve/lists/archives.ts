import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { ServedPackage } from '../../store/served-catalog.js';
import { PyFloat, distinct, writeJson, type JsonValue } from '../rpc/json.js';
import { RELATION_LISTS } from '../rpc/shape.js';

const gzip = promisify(gzipCallback);

/** The archives aurweb's mkpkglists writes and nginx serves from the host root. */
export const LIST_FILES = ['packages.gz', 'pkgbase.gz', 'users.gz', 'packages-meta-v1.json.gz', 'packages-meta-ext-v1.json.gz'] as const;
export type ListFile = (typeof LIST_FILES)[number];

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * packages.gz: one pkgname per line, each ending in `\n`, and NO header line. aurweb dropped the
 * `# AUR package list…` header in Nov 2021 (commit abbecf51). yay and pikaur still skip the first
 * line, so like against the real AUR they miss the alphabetically first name in `-Sl`/completion;
 * a header (or blank first line) would instead show up as a bogus package in paru and `aur pkglist`,
 * which read every line. Matching the AUR is the choice that breaks no client in a new way.
 */
function nameList(packages: readonly ServedPackage[]): string {
  return packages
    .map((p) => p.Name)
    .sort(byCodePoint)
    .map((name) => `${name}\n`)
    .join('');
}

/** pkgbase.gz: one pkgbase per line, each once (split packages share one), no header either. */
function baseList(packages: readonly ServedPackage[]): string {
  return distinct(packages.map((p) => p.PackageBase))
    .sort(byCodePoint)
    .map((name) => `${name}\n`)
    .join('');
}

/** A name that could break the one-per-line format (upstream metadata is untrusted). */
const LINE_BREAKING = /[\s\p{Cc}]/u;

/**
 * users.gz: one account name per line, no header, like pkgbase.gz. aurweb lists every AUR account
 * (unordered); a mirror knows only the accounts its served packages name, so it lists each
 * maintainer, co-maintainer and submitter of a served package once, sorted like the other lists.
 */
function userList(packages: readonly ServedPackage[]): string {
  const names = packages.flatMap((p) => [p.Maintainer, p.Submitter, ...p.CoMaintainers]);
  return distinct(names.filter((name): name is string => typeof name === 'string' && name !== '' && !LINE_BREAKING.test(name)))
    .sort(byCodePoint)
    .map((name) => `${name}\n`)
    .join('');
}

/** The lists packages-meta-ext adds when non-empty, in this order. */
const EXT_LISTS = [...RELATION_LISTS, 'License', 'Keywords', 'CoMaintainers'] as const;

/**
 * One meta object with mkpkglists' insertion order (not sorted): the search fields plus Submitter,
 * Popularity unrounded and always a float (`float(package.Popularity)` → `0.0`). URLPath: aurweb
 * builds it from the pkgname (`snapshot_uri % result.Name`), which is a dead link for split
 * packages; we emit the catalog's URLPath (from the pkgbase), the URL this server actually serves.
 */
function metaObject(pkg: ServedPackage, ext: boolean): string {
  const obj: Record<string, JsonValue> = {
    ID: pkg.ID,
    Name: pkg.Name,
    PackageBaseID: pkg.PackageBaseID,
    PackageBase: pkg.PackageBase,
    Version: pkg.Version,
    Description: pkg.Description ?? null,
    URL: pkg.URL ?? null,
    NumVotes: pkg.NumVotes,
    Popularity: new PyFloat(pkg.Popularity),
    OutOfDate: pkg.OutOfDate ?? null,
    Maintainer: pkg.Maintainer ?? null,
    Submitter: pkg.Submitter ?? null,
    FirstSubmitted: pkg.FirstSubmitted,
    LastModified: pkg.LastModified,
    URLPath: pkg.URLPath ?? '',
  };
  if (ext) {
    for (const key of EXT_LISTS) {
      const values = distinct(pkg[key]);
      if (values.length > 0) obj[key] = values;
    }
  }
  return writeJson(obj, false);
}

/** mkpkglists streams `[\n`, then each object followed by `,\n` (the last by `\n`), then `]`. */
function metaDocument(packages: readonly ServedPackage[], ext: boolean): string {
  const sorted = [...packages].sort((a, b) => byCodePoint(a.Name, b.Name));
  const lines = sorted.map((p) => metaObject(p, ext));
  return lines.length === 0 ? '[\n]' : `[\n${lines.join(',\n')}\n]`;
}

export function listContent(file: ListFile, packages: readonly ServedPackage[]): string {
  switch (file) {
    case 'packages.gz':
      return nameList(packages);
    case 'pkgbase.gz':
      return baseList(packages);
    case 'users.gz':
      return userList(packages);
    case 'packages-meta-v1.json.gz':
      return metaDocument(packages, false);
    case 'packages-meta-ext-v1.json.gz':
      return metaDocument(packages, true);
  }
}

export interface Archive {
  readonly gz: Uint8Array<ArrayBuffer>;
  readonly sha256: string;
  /** `SHA256 (<file>) = <hex>` with no trailing newline, as mkpkglists writes it. */
  readonly checksumLine: string;
}

/** Gzips in the libuv pool so a large catalog does not stall other requests while it compresses. */
export async function buildArchive(file: ListFile, packages: readonly ServedPackage[]): Promise<Archive> {
  const compressed = await gzip(Buffer.from(listContent(file, packages), 'utf8'), { level: 9 });
  const gz = new Uint8Array(compressed.byteLength);
  gz.set(compressed);
  const sha256 = createHash('sha256').update(gz).digest('hex');
  return { gz, sha256, checksumLine: `SHA256 (${file}) = ${sha256}` };
}

/** The newest approval, which is when the served set last grew or changed. */
export function newestApproval(packages: readonly ServedPackage[]): number {
  let newest = 0;
  for (const p of packages) if (Number.isFinite(p.approvedAt) && p.approvedAt > newest) newest = p.approvedAt;
  return newest;
}
