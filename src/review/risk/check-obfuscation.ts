/**
 * obfuscation: new lines that decode, assemble or hide code (base64/openssl/xxd decoding, eval of
 * built strings, escape chains, words split into quoted fragments, long hex or base64 blobs).
 */

import { maskQuotes } from './lines.js';
import { addedScanLines, applyRules, type LineRule, type ScanLine } from './scan.js';
import type { RiskFlag, RiskInput } from './types.js';

/** Array names whose entries are legitimately long hex strings (checksums, key fingerprints). */
export const CHECKSUM_ARRAY = /^(?:(?:md5|sha1|sha224|sha256|sha384|sha512|b2|ck)sums(?:_\w+)?|validpgpkeys)$/;

const FETCHES = /\b(?:curl|wget|aria2c)\b/;

/** A rule test that does not fire on lines download-and-run already reports. */
function unlessFetch(re: RegExp, masked = false): (l: ScanLine) => string | null {
  return (l) => (FETCHES.test(l.text) ? null : re.test(masked ? maskQuotes(l.text) : l.text) ? l.text : null);
}

/**
 * Splits one line into shell words, each a list of pieces: quoted pieces keep their quotes,
 * unquoted runs are pieces of their own. `c'u'"r"l` is one word of four pieces.
 */
export function shellWords(text: string): string[][] {
  const words: string[][] = [];
  let pieces: string[] = [];
  let buf = '';
  const flush = () => {
    if (buf) pieces.push(buf);
    buf = '';
  };
  for (let i = 0; i < text.length;) {
    const c = text[i]!;
    if (/[\s;&|<>()]/.test(c)) {
      flush();
      if (pieces.length) words.push(pieces);
      pieces = [];
      i++;
    } else if (c === "'" || c === '"') {
      flush();
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += c === '"' && text[j] === '\\' ? 2 : 1;
      pieces.push(text.slice(i, j + 1));
      i = j + 1;
    } else if (c === '\\') {
      buf += text.slice(i, i + 2);
      i += 2;
    } else {
      buf += c;
      i++;
    }
  }
  flush();
  if (pieces.length) words.push(pieces);
  return words;
}

const isQuoted = (p: string) => p.startsWith("'") || p.startsWith('"');

/**
 * A word glued together from quoted fragments: `'c''u''r''l'`, `"b""a""s""h"`, `c'u'rl`, `cu''rl`.
 * Flags a word of three or more pieces (at least one quoted) that spells a plain command-like
 * name, or any word with an empty quoted piece between two non-empty pieces.
 */
export function findSplitWord(text: string): string | null {
  for (const pieces of shellWords(text)) {
    if (pieces.length < 3 || !pieces.some(isQuoted)) continue;
    const joined = pieces.map((p) => (isQuoted(p) ? p.slice(1, -1) : p)).join('');
    const emptyInside = pieces.some((p, i) => i > 0 && i < pieces.length - 1 && (p === "''" || p === '""'));
    if (/^[A-Za-z0-9_+-]{2,}$/.test(joined) || emptyInside) return pieces.join('');
  }
  return null;
}

/** Two or more adjacent `\xNN`/`\NNN`/`\uNNNN` escapes, or four on one line (ANSI colour `\033[` excluded). */
function escapeChain(l: ScanLine): string | null {
  const one = String.raw`\\(?:x[0-9a-fA-F]{2}|[0-7]{3}|u[0-9a-fA-F]{4})(?!\[)`;
  const chain = new RegExp(`(?:${one}){2,}`).exec(l.text);
  if (chain) return chain[0];
  const all = l.text.match(new RegExp(one, 'g')) ?? [];
  return all.length >= 4 ? l.text : null;
}

function longHex(l: ScanLine): string | null {
  if (l.array !== null && CHECKSUM_ARRAY.test(l.array)) return null;
  return /[0-9a-fA-F]{64,}/.exec(l.text)?.[0] ?? null;
}

function base64Blob(l: ScanLine): string | null {
  for (const m of l.text.matchAll(/[A-Za-z0-9+/]{120,}={0,2}/g)) {
    const s = m[0];
    if (/[A-Z]/.test(s) && /[a-z]/.test(s) && /[0-9]/.test(s)) return s;
  }
  return null;
}

export const OBFUSCATION_RULES: readonly LineRule[] = [
  {
    severity: 'high',
    what: 'decodes base64/base32 data',
    test: /\b(?:base(?:64|32)|basenc)\b[^|;&]{0,400}?\s(?:-[a-zA-Z]*[dD][a-zA-Z]*|--decode)\b|\bb(?:64|32|16|85)decode\b|\bbase64\.decodebytes\b/,
  },
  { severity: 'high', what: 'decrypts or decodes data with openssl', test: /\bopenssl\b[^|;&]{0,400}\s-d\b/ },
  { severity: 'high', what: 'turns a hex dump back into bytes with xxd', test: /\bxxd\b[^|;&]{0,400}\s-(?:[a-zA-Z]*r[a-zA-Z]*|revert)\b/ },
  { severity: 'high', what: 'decodes rot13 text', test: /\btr\s+['"]?A-Za-z['"]?\s+['"]?N-ZA-Mn-za-m/ },
  { severity: 'high', what: 'sources generated code', test: unlessFetch(/(?:^|[\s;&|(])(?:source|\.)\s+(?:\/dev\/stdin|<\()/) },
  {
    severity: 'high',
    what: 'pipes generated text into a shell',
    // Quotes masked: `sed 's|/bin/sh|/bin/bash|'` is not a pipe.
    test: unlessFetch(/(?<!\|)\|(?!\|)\s*(?:sudo\s+(?:-\S+\s+)*)?(?:[^\s|]{0,200}\/)?(?:ba|z|da|k)?sh\b(?![.\w-])/, true),
  },
  { severity: 'high', what: 'builds text from an escape-sequence chain', test: escapeChain },
  { severity: 'high', what: 'spells a word from split quoted fragments', test: (l) => findSplitWord(l.text) },
  { severity: 'high', what: 'contains a long hex blob outside the checksum arrays', test: longHex },
  { severity: 'high', what: 'contains a long base64 blob', test: base64Blob },
];

export function checkObfuscation(input: RiskInput): RiskFlag[] {
  return applyRules('obfuscation', OBFUSCATION_RULES, addedScanLines(input));
}
