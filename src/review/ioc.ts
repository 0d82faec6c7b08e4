/**
 * IOC lists (indicators of compromise): parsing an imported list defensively, and attributing grep
 * matches to the entries that caused them. Pure.
 *
 * A list is text, one entry a line: `<kind> <value>`, with blank lines and `#` comments ignored.
 *   string <text>      a literal, matched case-insensitively in every text file of every revision
 *   domain <host>      a host name, matched literally (case-insensitive)
 *   hash <hex>         a checksum (32 to 128 hex digits), matched literally
 *   regex <ERE>        a POSIX extended regular expression, run by git grep under a timeout
 *   package <name>     a known-bad package name, matched against mirrored pkgbases and pkgnames
 *   account <name>     a known-bad AUR account, matched against the maintainer history
 */

export const IOC_KINDS = ['string', 'domain', 'hash', 'regex', 'package', 'account'] as const;
export type IocKind = (typeof IOC_KINDS)[number];

export interface IocEntryInput {
  kind: IocKind;
  value: string;
}

export const MAX_LIST_BYTES = 1024 * 1024;
export const MAX_LIST_ENTRIES = 10_000;
export const MAX_VALUE_CHARS = 500;
/**
 * Regular expressions are short and run by git (a separate process, killed on timeout), never by
 * the server: the length bound keeps each one cheap to compile, and back-references (the feature that
 * makes matching exponential) are refused.
 */
export const MAX_REGEX_CHARS = 200;
const MIN_LITERAL_CHARS = 4;
const MAX_ERRORS_SHOWN = 20;

const VALIDATORS: Record<IocKind, (value: string) => string | null> = {
  string: (value) =>
    value.length < MIN_LITERAL_CHARS ? `a string needs at least ${MIN_LITERAL_CHARS} characters (shorter ones match everywhere)` : null,
  domain: (value) => (/^(?=.{4,253}$)[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(value) ? null : 'not a host name'),
  hash: (value) => (/^[0-9a-f]{32,128}$/i.test(value) ? null : 'a hash is 32 to 128 hex digits'),
  regex: (value) =>
    value.length > MAX_REGEX_CHARS
      ? `a regex is at most ${MAX_REGEX_CHARS} characters`
      : /\\[1-9]/.test(value)
        ? 'back-references are not allowed (they make matching exponential)'
        : value.length < MIN_LITERAL_CHARS
          ? `a regex needs at least ${MIN_LITERAL_CHARS} characters`
          : null,
  package: (value) => (/^[a-z0-9@._+-]{1,255}$/.test(value) ? null : 'not a package name'),
  account: (value) => (/^[A-Za-z0-9._-]{1,64}$/.test(value) ? null : 'not an AUR account name'),
};

export interface ParsedList {
  entries: IocEntryInput[];
  errors: string[];
}

/**
 * Parses a list. Every line is checked and every problem reported with its line number (the first
 * few), so an admin fixes the list in one go; the caller imports nothing when there is any error.
 */
export function parseIocList(text: string): ParsedList {
  const entries: IocEntryInput[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  if (Buffer.byteLength(text) > MAX_LIST_BYTES) return { entries, errors: [`the list is larger than ${MAX_LIST_BYTES} bytes`] };
  if (text.includes('\0')) return { entries, errors: ['the list contains NUL bytes (a binary file?)'] };
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const error = (message: string) => errors.push(`line ${index + 1}: ${message}: ${JSON.stringify(line.slice(0, 80))}`);
    const match = /^([a-z]+)\s+(.+)$/.exec(line);
    const kind = IOC_KINDS.find((known) => known === match?.[1]);
    if (!match || !kind) {
      error(`expected "<kind> <value>" with kind one of ${IOC_KINDS.join(', ')}`);
      continue;
    }
    const value = (match[2] ?? '').trim();
    if (value.length > MAX_VALUE_CHARS || /[\u0000-\u001f\u007f]/.test(value)) {
      error(`a value is at most ${MAX_VALUE_CHARS} printable characters`);
      continue;
    }
    // Names, hosts and hashes are case-insensitive; strings match case-insensitively; regexes keep theirs.
    const normalized = kind === 'regex' || kind === 'string' ? value : value.toLowerCase();
    const problem = VALIDATORS[kind](normalized);
    if (problem) {
      error(problem);
      continue;
    }
    const key = `${kind} ${normalized}`;
    if (seen.has(key)) continue;
    seen.add(key);
    entries.push({ kind, value: normalized });
    if (entries.length > MAX_LIST_ENTRIES) return { entries: [], errors: [`more than ${MAX_LIST_ENTRIES} entries`] };
  }
  const shown = errors.slice(0, MAX_ERRORS_SHOWN);
  if (errors.length > shown.length) shown.push(`… and ${errors.length - shown.length} more errors`);
  return { entries, errors: shown };
}

/** The literal entries (string, domain, hash) a matching line contains, compared case-insensitively. */
export function literalsIn<T extends { value: string }>(text: string, literals: readonly T[]): T[] {
  const lower = text.toLowerCase();
  return literals.filter((entry) => lower.includes(entry.value.toLowerCase()));
}
