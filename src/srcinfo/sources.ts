import type { Srcinfo, SrcinfoFields } from './types.js';

/**
 * The `source=` entries of a .SRCINFO with their checksums, per architecture, read the way makepkg
 * reads them (libmakepkg/util/source.sh: get_protocol, get_filename, get_url). Pure: the fetcher,
 * the manifest, the review flags and the tests all start from this.
 */

/** makepkg's checksum arrays, strongest first: the first one that pins an entry is the one recorded. */
export const CHECKSUM_ALGORITHMS = ['b2', 'sha512', 'sha384', 'sha256', 'sha224', 'sha1', 'md5'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/** Node's name of each digest (`b2` is BLAKE2b-512, as b2sum computes it). */
export const NODE_HASH: Record<ChecksumAlgorithm, string> = {
  b2: 'blake2b512',
  sha512: 'sha512',
  sha384: 'sha384',
  sha256: 'sha256',
  sha224: 'sha224',
  sha1: 'sha1',
  md5: 'md5',
};

const HEX_LENGTH: Record<ChecksumAlgorithm, number> = { b2: 128, sha512: 128, sha384: 96, sha256: 64, sha224: 56, sha1: 40, md5: 32 };

export const VCS_PROTOCOLS = new Set(['git', 'svn', 'hg', 'bzr', 'fossil']);

export interface Checksum {
  algorithm: ChecksumAlgorithm;
  /** Lower-case hex. */
  value: string;
}

export interface VcsFragment {
  kind: string;
  value: string;
}

export interface SourceEntry {
  /** `any` for the plain `source` array, else the architecture of `source_<arch>`. */
  arch: string;
  /** Position in its array (checksum arrays are matched by it). */
  index: number;
  /** The entry as written. */
  raw: string;
  /** The file makepkg looks for in SRCDEST (the `name::` prefix, or the URL's last component). */
  filename: string;
  /** What makepkg downloads: the entry without `name::` (for VCS still with `git+` and fragment). */
  url: string;
  /** `local`: a file of the package repo, in the reviewed tree already. */
  kind: 'remote' | 'vcs' | 'local';
  /** makepkg's protocol: `https`, `http`, `git`, `local`, … */
  protocol: string;
  /** VCS only: `#tag=v1`, `#branch=main`, `#commit=…` (null: the default branch, unpinned). */
  fragment: VcsFragment | null;
  /** Every non-SKIP checksum the PKGBUILD gives for this entry, strongest first. */
  checksums: Checksum[];
}

/** The sources of every architecture the package is built for (`any` first). */
export function sourceEntries(info: Srcinfo): SourceEntry[] {
  const arches = ['any', ...(info.base['arch'] ?? []).filter((arch) => arch !== 'any')];
  return arches.flatMap((arch) => entriesOf(info.base, arch));
}

function entriesOf(fields: SrcinfoFields, arch: string): SourceEntry[] {
  const suffix = arch === 'any' ? '' : `_${arch}`;
  const raws = fields[`source${suffix}`] ?? [];
  return raws.map((raw, index) => {
    const parsed = parseSource(raw);
    return { arch, index, raw, ...parsed, checksums: checksumsAt(fields, suffix, index) };
  });
}

function checksumsAt(fields: SrcinfoFields, suffix: string, index: number): Checksum[] {
  const sums: Checksum[] = [];
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const value = fields[`${algorithm}sums${suffix}`]?.[index]?.trim().toLowerCase();
    if (value !== undefined && isChecksum(algorithm, value)) sums.push({ algorithm, value });
  }
  return sums;
}

/** A hex digest of the right length; `SKIP`, an empty or a malformed value pins nothing. */
export function isChecksum(algorithm: ChecksumAlgorithm, value: string): boolean {
  return value.length === HEX_LENGTH[algorithm] && /^[0-9a-f]+$/.test(value);
}

/** The strongest checksum of an entry, or null: SKIP everywhere (or no checksum array) is unpinned. */
export function strongestChecksum(entry: Pick<SourceEntry, 'checksums'>): Checksum | null {
  return entry.checksums[0] ?? null;
}

type ParsedSource = Pick<SourceEntry, 'filename' | 'url' | 'kind' | 'protocol' | 'fragment'>;

/** One `source=` value: `[name::]url`, with makepkg's protocol and filename rules. */
export function parseSource(raw: string): ParsedSource {
  const separator = raw.indexOf('::');
  const name = separator >= 0 ? raw.slice(0, separator) : null;
  const url = separator >= 0 ? raw.slice(separator + 2) : raw;
  const protocol = protocolOf(url);
  if (protocol === 'local') return { filename: name ?? lastComponent(url), url, kind: 'local', protocol, fragment: null };
  if (VCS_PROTOCOLS.has(protocol)) return { filename: name ?? vcsFilename(url, protocol), url, kind: 'vcs', protocol, fragment: fragmentOf(url) };
  return { filename: name ?? lastComponent(url), url, kind: 'remote', protocol, fragment: null };
}

/** `git+https://…` is git; no `://` at all is a file of the package repo. */
function protocolOf(url: string): string {
  const at = url.indexOf('://');
  if (at < 0) return 'local';
  const scheme = url.slice(0, at).toLowerCase();
  return scheme.split('+', 1)[0] ?? scheme;
}

function lastComponent(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}

function vcsFilename(url: string, protocol: string): string {
  let name = url.replace(/#.*$/s, '').replace(/\?.*$/s, '').replace(/\/+$/, '');
  name = lastComponent(name);
  if (protocol === 'bzr') name = name.replace(/^.*lp:/, '');
  if (protocol === 'fossil') name = `${name}.fossil`;
  if (protocol === 'git') name = name.replace(/\.git.*$/, '');
  return name;
}

/** `#tag=v1.2` → { kind: 'tag', value: 'v1.2' }; makepkg ignores a `?signed` query before it. */
export function fragmentOf(url: string): VcsFragment | null {
  const hash = url.indexOf('#');
  if (hash < 0) return null;
  const fragment = url.slice(hash + 1).replace(/\?.*$/s, '');
  const equals = fragment.indexOf('=');
  if (equals <= 0) return null;
  return { kind: fragment.slice(0, equals), value: fragment.slice(equals + 1) };
}

/** The fetchable part of a VCS URL: without `git+`, fragment and query (what `git ls-remote` is given). */
export function vcsRemote(url: string): string {
  return url
    .replace(/^[a-z]+\+/i, '')
    .replace(/#.*$/s, '')
    .replace(/\?.*$/s, '');
}

/** Ordinary characters only: a filename is a path component in SRCDEST and in a URL, never a path. */
export function isSafeFilename(filename: string): boolean {
  return (
    filename.length > 0 &&
    Buffer.byteLength(filename) <= 255 &&
    filename !== '.' &&
    filename !== '..' &&
    !filename.startsWith('-') &&
    /^[A-Za-z0-9._+~=,@%:-]+$/.test(filename)
  );
}
