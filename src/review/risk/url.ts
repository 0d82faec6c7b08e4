/**
 * Source entries and hosts: parsing makepkg source entries (`name::git+https://host/path#tag=x`)
 * and classifying hosts (bare IPs, paste and file-drop sites, URL shorteners, forges, well-known
 * release hosts, an approximate "registrable domain" without a public-suffix list).
 */

export type Vcs = 'git' | 'svn' | 'hg' | 'bzr' | 'fossil';

export interface SourceLocation {
  /** The file name given with `name::`, if any. */
  name: string | null;
  /** The entry without `name::` and without a `vcs+` prefix. */
  location: string;
  vcs: Vcs | null;
  /** Lower-case URL scheme; null for a local file. */
  scheme: string | null;
  /** Lower-case host without userinfo and port; null for local files or when not literal (`$var`). */
  host: string | null;
  /** Path after the host, without query and fragment. */
  path: string;
}

/** Parses a makepkg source entry (see PKGBUILD(5) "source"). */
export function parseSourceEntry(entry: string): SourceLocation {
  let rest = entry.trim();
  let name: string | null = null;
  const sep = rest.indexOf('::');
  // `name::url`; the part before `::` never contains a slash.
  if (sep > 0 && !rest.slice(0, sep).includes('/')) {
    name = rest.slice(0, sep);
    rest = rest.slice(sep + 2);
  }
  let vcs: Vcs | null = null;
  const plus = /^(git|svn|hg|bzr|fossil)\+/i.exec(rest);
  if (plus) {
    vcs = plus[1]!.toLowerCase() as Vcs;
    rest = rest.slice(plus[0].length);
  }
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(rest);
  if (!schemeMatch || schemeMatch[1]!.toLowerCase() === 'file') {
    return { name, location: rest, vcs, scheme: null, host: null, path: rest };
  }
  const scheme = schemeMatch[1]!.toLowerCase();
  if (!vcs && (scheme === 'git' || scheme === 'svn')) vcs = scheme;
  const afterScheme = rest.slice(schemeMatch[0].length);
  const authorityEnd = afterScheme.search(/[/?#]/);
  const authority = authorityEnd < 0 ? afterScheme : afterScheme.slice(0, authorityEnd);
  const path = (authorityEnd < 0 ? '' : afterScheme.slice(authorityEnd)).replace(/[?#].*$/s, '');
  let host = authority.slice(authority.lastIndexOf('@') + 1).toLowerCase();
  host = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d*$/, '');
  host = host.replace(/\.$/, '');
  return { name, location: rest, vcs, scheme, host: host === '' || host.includes('$') ? null : host, path };
}

/** The file part of a location without query and fragment, e.g. for `.sig` detection. */
export function locationFile(loc: SourceLocation): string {
  return loc.path.split('/').pop() ?? '';
}

/** Schemes that carry no transport security. */
export const INSECURE_SCHEMES = new Set(['http', 'ftp', 'git', 'svn', 'rsync']);

/** Dotted IPv4, bracketed/bare IPv6, or a whole-number host (`http://3232235777/`). */
export function isIpAddress(host: string): boolean {
  return /^\d{1,3}(?:\.\d{1,3}){3}$/.test(host) || /^\[?[0-9a-f:]*:[0-9a-f:.]*\]?$/.test(host) || /^(?:0x[0-9a-f]+|\d+)$/.test(host);
}

function matchesDomain(host: string, domains: readonly string[]): boolean {
  return domains.some((d) => host === d || host.endsWith(`.${d}`));
}

/** URL shorteners: the target is invisible in the PKGBUILD and can change after review. */
const SHORTENERS = [
  'bit.ly',
  'tinyurl.com',
  't.co',
  'goo.gl',
  'is.gd',
  'v.gd',
  'ow.ly',
  'rebrand.ly',
  'cutt.ly',
  'shorturl.at',
  'rb.gy',
  's.id',
  't.ly',
  'tiny.cc',
  'buff.ly',
  'bl.ink',
  'short.io',
  'tiny.one',
  'shorturl.com',
  '1drv.ms',
  'git.io',
];

/** Paste sites and anonymous file drops, popular for hosting second-stage payloads. */
const PASTE_HOSTS = [
  'pastebin.com',
  'paste.ee',
  'hastebin.com',
  'ghostbin.co',
  'termbin.com',
  'ix.io',
  'sprunge.us',
  '0x0.st',
  'transfer.sh',
  'file.io',
  'temp.sh',
  'catbox.moe',
  'rentry.co',
  'rentry.org',
  'paste.rs',
  'dpaste.org',
  'dpaste.com',
  'controlc.com',
  'privatebin.net',
  'paste.c-net.org',
  'bpa.st',
  'gist.github.com',
  'gist.githubusercontent.com',
  'cdn.discordapp.com',
  'media.discordapp.net',
  'discord.com',
  'anonfiles.com',
  'mega.nz',
  'mega.co.nz',
  'gofile.io',
  'pixeldrain.com',
  'ufile.io',
  'bashupload.com',
  'oshi.at',
  'tmpfiles.org',
  'ngrok.io',
  'ngrok-free.app',
  'trycloudflare.com',
];

/** Personal file hosting: not anonymous, but also not a release channel of a project. */
const PERSONAL_HOSTS = [
  'dropbox.com',
  'dropboxusercontent.com',
  'drive.google.com',
  'docs.google.com',
  'drive.usercontent.google.com',
  'onedrive.live.com',
  'mediafire.com',
  'box.com',
  'sharepoint.com',
];

export function isShortener(host: string): boolean {
  return matchesDomain(host, SHORTENERS);
}
export function isPasteHost(host: string): boolean {
  return matchesDomain(host, PASTE_HOSTS);
}
export function isPersonalHost(host: string): boolean {
  return matchesDomain(host, PERSONAL_HOSTS);
}

/**
 * Registrable domains of well-known release channels (forges, language registries, big
 * free-software project sites). A source there does not need to match `url=`.
 */
const RELEASE_DOMAINS = new Set([
  'github.com',
  'gitlab.com',
  'codeberg.org',
  'bitbucket.org',
  'sr.ht',
  'gitea.com',
  'notabug.org',
  'sourceforge.net',
  'sourceforge.io',
  'launchpad.net',
  'launchpadlibrarian.net',
  'pythonhosted.org',
  'pypi.org',
  'pypi.io',
  'npmjs.org',
  'npmjs.com',
  'crates.io',
  'rubygems.org',
  'haskell.org',
  'cpan.org',
  'metacpan.org',
  'golang.org',
  'go.dev',
  'kernel.org',
  'gnu.org',
  'nongnu.org',
  'gnome.org',
  'kde.org',
  'freedesktop.org',
  'archlinux.org',
  'debian.org',
  'ubuntu.com',
  'fedoraproject.org',
  'apache.org',
  'mozilla.org',
  'mozilla.net',
  'python.org',
  'nodejs.org',
  'rust-lang.org',
  'qt.io',
  'videolan.org',
  'xorg.freedesktop.org',
  'savannah.gnu.org',
  'hackage.haskell.org',
  'opensuse.org',
  'x.org',
  'sourceware.org',
  'gnupg.org',
  'openssl.org',
  'ctan.org',
  'maven.org',
  'dl.google.com',
  'download.qt.io',
]);

/**
 * Suffixes under which every subdomain belongs to a different owner (user pages, app hosting).
 * `alice.github.io` and `bob.github.io` are different registrable domains.
 */
const MULTI_TENANT_SUFFIXES = [
  'github.io',
  'gitlab.io',
  'codeberg.page',
  'netlify.app',
  'pages.dev',
  'vercel.app',
  'herokuapp.com',
  'blogspot.com',
  's3.amazonaws.com',
  'cloudfront.net',
  'appspot.com',
  'web.app',
  'firebaseapp.com',
  'neocities.org',
  'surge.sh',
  'readthedocs.io',
  'githubusercontent.com',
  'azurewebsites.net',
  'r2.dev',
  'workers.dev',
  'duckdns.org',
  'no-ip.org',
];

/** Second-level labels under two-letter country TLDs that act as public suffixes (co.uk, com.au...). */
const CC_SECOND_LEVEL = new Set(['co', 'com', 'net', 'org', 'gov', 'edu', 'ac', 'or', 'ne', 'go', 'gv', 'ltd', 'plc']);

/** An approximation of the registrable domain ("eTLD+1") of a host. */
export function registrableDomain(host: string): string {
  if (isIpAddress(host)) return host;
  const labels = host.split('.');
  const suffix = MULTI_TENANT_SUFFIXES.find((s) => host.endsWith(`.${s}`));
  if (suffix) return labels.slice(-(suffix.split('.').length + 1)).join('.');
  const tld = labels[labels.length - 1] ?? '';
  const second = labels[labels.length - 2] ?? '';
  if (labels.length >= 3 && tld.length === 2 && CC_SECOND_LEVEL.has(second)) return labels.slice(-3).join('.');
  return labels.slice(-2).join('.');
}

export function isReleaseHost(host: string): boolean {
  return RELEASE_DOMAINS.has(registrableDomain(host)) || RELEASE_DOMAINS.has(host);
}

/** Forges with `host/<owner>/<project>` paths. */
const FORGES = ['github.com', 'gitlab.com', 'codeberg.org', 'bitbucket.org', 'gitea.com', 'git.sr.ht', 'notabug.org'];

/**
 * The forge account a URL belongs to: `github.com/alice/x`, `codeload.github.com/alice/x`,
 * `raw.githubusercontent.com/alice/x`, `alice.github.io`, `gitlab.com/alice/x`... Null otherwise.
 */
export function forgeOwner(host: string, path: string): { forge: string; owner: string } | null {
  const first = path.split('/').filter(Boolean)[0]?.toLowerCase();
  const pages = /^([^.]+)\.(github|gitlab)\.io$/.exec(host);
  if (pages) return { forge: `${pages[2]}.com`, owner: pages[1]! };
  if (!first) return null;
  if (host === 'raw.githubusercontent.com' || host === 'codeload.github.com') return { forge: 'github.com', owner: first };
  if (FORGES.includes(host) && first !== 'api' && first !== '-') return { forge: host, owner: first.replace(/^~/, '') };
  return null;
}
