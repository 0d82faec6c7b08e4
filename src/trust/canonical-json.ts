/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace, strings and numbers as
 * JSON.stringify writes them. For the values we sign (strings, safe integers, booleans, null, arrays,
 * plain objects) this is exactly RFC 8785 (JCS). Hand-written because it is twenty lines and we need
 * byte-exact control of what is signed; the `canonicalize` package would be one more dependency for
 * the same output, and it accepts values (floats, undefined in arrays) we want refused. Object
 * properties whose value is undefined are left out, as JSON.stringify does (optional fields).
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

// With the u flag a surrogate pair is one code point, so this matches only unpaired halves.
const LONE_SURROGATE = /\p{Surrogate}/u;

export function canonicalJson(value: unknown): string {
  return write(value, '$');
}

export function canonicalJsonBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}

function write(value: unknown, at: string): string {
  if (value === null || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value)) throw new TypeError(`canonical JSON: ${at} is not well-formed Unicode`);
    return JSON.stringify(value);
  }
  if (typeof value === 'number') {
    // Integers only: float formatting is where JSON serialisers disagree, and we sign none.
    if (!Number.isSafeInteger(value)) throw new TypeError(`canonical JSON: ${at} is not a safe integer (${value})`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item, index) => write(item, `${at}[${index}]`)).join(',')}]`;
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${write(key, at)}:${write(item, `${at}.${key}`)}`).join(',')}}`;
  }
  throw new TypeError(`canonical JSON: ${at} has a type JSON cannot hold (${typeof value})`);
}
