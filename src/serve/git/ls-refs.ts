/**
 * Protocol v2 `ls-refs` requests, parsed into what determines git's answer, so equal requests share a
 * cached answer whatever their argument order, duplicates or agent string, and a client cannot make
 * new cache keys out of bytes git ignores. Anything this parser does not fully understand is not
 * cached: it goes to git as sent, and git answers (or refuses) it.
 */

/** Larger requests are never cached (git's own client sends a few hundred bytes). */
export const MAX_CACHEABLE_LS_REFS_BYTES = 4096;

const FLUSH = 0;
const DELIM = 1;
type PktLine = string | typeof FLUSH | typeof DELIM;

export interface LsRefsRequest {
  objectFormat: 'sha1' | null;
  peel: boolean;
  symrefs: boolean;
  unborn: boolean;
  /** Sorted, without duplicates: git filters refs by the set of prefixes, in ref order. */
  refPrefixes: string[];
}

/**
 * Splits a request into pkt-lines: four hex digits of length (including themselves) then the payload,
 * one trailing newline removed as git's reader does. Payloads are latin1, so distinct bytes stay
 * distinct strings. Null when the framing is broken anywhere.
 */
export function parsePktLines(request: Buffer): PktLine[] | null {
  const lines: PktLine[] = [];
  let offset = 0;
  while (offset < request.length) {
    const header = request.toString('latin1', offset, offset + 4);
    if (!/^[0-9a-f]{4}$/.test(header)) return null;
    const length = Number.parseInt(header, 16);
    if (length === 0 || length === 1) lines.push(length);
    else if (length < 4 || offset + length > request.length) return null;
    else {
      const payload = request.toString('latin1', offset + 4, offset + length);
      lines.push(payload.endsWith('\n') ? payload.slice(0, -1) : payload);
    }
    offset += length < 4 ? 4 : length;
  }
  return lines;
}

/** The ls-refs request in normalised form, or null when it is not a small, well-formed ls-refs request. */
export function parseLsRefs(request: Buffer): LsRefsRequest | null {
  if (request.length > MAX_CACHEABLE_LS_REFS_BYTES) return null;
  const lines = parsePktLines(request);
  if (!lines || lines[0] !== 'command=ls-refs' || lines.at(-1) !== FLUSH) return null;
  const parsed: LsRefsRequest = { objectFormat: null, peel: false, symrefs: false, unborn: false, refPrefixes: [] };
  let index = 1;
  for (; typeof lines[index] === 'string'; index += 1) {
    const capability = lines[index] as string;
    // The agent names the client for git's logs; the answer does not depend on it.
    if (capability.startsWith('agent=')) continue;
    if (capability === 'object-format=sha1') parsed.objectFormat = 'sha1';
    else return null;
  }
  if (lines[index] === DELIM) {
    for (index += 1; typeof lines[index] === 'string'; index += 1) {
      const argument = lines[index] as string;
      if (argument === 'peel' || argument === 'symrefs' || argument === 'unborn') parsed[argument] = true;
      else if (argument.startsWith('ref-prefix ')) parsed.refPrefixes.push(argument.slice('ref-prefix '.length));
      else return null;
    }
  }
  if (index !== lines.length - 1) return null;
  parsed.refPrefixes = [...new Set(parsed.refPrefixes)].sort();
  return parsed;
}
