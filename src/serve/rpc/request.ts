/**
 * Turns the many request forms AUR helpers send into one `RpcRequest`. Parsing never throws: bytes
 * that do not decode become U+FFFD, so garbage simply matches no package.
 */

export const DEFAULT_BY = 'name-desc';

/**
 * What a request asked for, before validation. `version` is null when absent and NaN when present
 * but not an integer; validation turns those into aurweb's two different messages.
 */
export interface RpcRequest {
  version: number | null;
  type: string | null;
  by: string;
  args: string[];
  callback: string | null;
}

/** A request the RPC refuses before running it (HTTP 4xx), e.g. a JSON body of the wrong shape. */
export interface RejectedRequest {
  status: 400 | 422;
  message: string;
  version: number | null;
}

export type ParsedRequest = RpcRequest | RejectedRequest;

export function isRejected(parsed: ParsedRequest): parsed is RejectedRequest {
  return 'status' in parsed;
}

const PLUS = /\+/g;

/** Percent-decoding that never throws: invalid UTF-8 becomes U+FFFD instead of a URIError. */
export function decodeComponent(raw: string, plusAsSpace: boolean): string {
  const s = plusAsSpace && raw.includes('+') ? raw.replace(PLUS, ' ') : raw;
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return lenientDecode(s);
  }
}

function lenientDecode(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const hex = s.charCodeAt(i) === 37 ? s.slice(i + 1, i + 3) : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      const cp = s.codePointAt(i) ?? 0xfffd;
      if (cp > 0xffff) i++;
      for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Python's int() as FastAPI applies it to `v`: an optional sign and digits. */
export function parseVersion(raw: string | undefined): number | null {
  if (raw === undefined) return null;
  const trimmed = raw.trim();
  if (!/^[+-]?\d{1,15}$/.test(trimmed)) return Number.NaN;
  return Number(trimmed);
}

interface Scalars {
  v?: string;
  type?: string;
  by?: string;
  callback?: string;
  arg?: string;
}

const SCALAR_KEYS = new Set(['v', 'type', 'by', 'callback', 'arg']);

function setScalar(scalars: Scalars, key: string, value: string): void {
  if (SCALAR_KEYS.has(key)) scalars[key as keyof Scalars] = value;
}

/**
 * The legacy GET query. Scalars decode like Starlette (`+` is a space, the last value wins). The
 * package arguments follow aurweb's `parse_args`: `unquote` keeps a literal `+` (package names such
 * as `libc++` contain it); if the last arg-like key is `arg` it is the only argument, otherwise the
 * trailing run of `arg[]` values counts, listed last to first (search uses the first of that list).
 * Unlike aurweb each pair is split before decoding, so an escaped `&` or `=` stays inside its value.
 */
export function parseQuery(query: string): { scalars: Scalars; args: string[] } {
  const scalars: Scalars = {};
  let args: string[] = [];
  let lastWasPlainArg = false;
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decodeComponent(eq < 0 ? part : part.slice(0, eq), false);
    if (eq < 0) {
      // Starlette keeps blank values (`?v` is v=""); aurweb's parse_args requires the `=`.
      setScalar(scalars, key, '');
      continue;
    }
    const rawValue = part.slice(eq + 1);
    if (key === 'arg' || key === 'arg[]') {
      const value = decodeComponent(rawValue, false);
      if (key === 'arg') {
        args = [value];
        lastWasPlainArg = true;
      } else {
        if (lastWasPlainArg) args = [];
        args.push(value);
        lastWasPlainArg = false;
      }
    } else {
      setScalar(scalars, key, decodeComponent(rawValue, true));
    }
  }
  if (!lastWasPlainArg) args.reverse();
  return { scalars, args };
}

/**
 * A form body (paru, aurutils, curl). FastAPI's Form treats an empty scalar as absent; `arg` comes
 * first, then every `arg[]` in order (aurweb's `test_rpc_post` combines them). A leading `&`
 * (aurutils) is just an empty pair.
 */
export function parseForm(body: string): { scalars: Scalars; args: string[] } {
  const scalars: Scalars = {};
  const bracketArgs: string[] = [];
  for (const part of body.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decodeComponent(eq < 0 ? part : part.slice(0, eq), true);
    const value = eq < 0 ? '' : decodeComponent(part.slice(eq + 1), true);
    if (key === 'arg[]') bracketArgs.push(value);
    else if (value !== '') setScalar(scalars, key, value);
  }
  const args = scalars.arg !== undefined ? [scalars.arg, ...bracketArgs] : bracketArgs;
  return { scalars, args };
}

/** GET /rpc?… and POST /rpc: every field from the request itself. */
export function legacyRequest(fields: { scalars: Scalars; args: string[] }): RpcRequest {
  const { scalars, args } = fields;
  return {
    version: parseVersion(scalars.v),
    type: scalars.type ?? null,
    by: scalars.by ?? DEFAULT_BY,
    args,
    callback: scalars.callback ?? null,
  };
}

/** The `/rpc/v{N}/…` routes: type and version come from the path, JSONP is not offered there (as in aurweb). */
export function pathRequest(version: number | null, type: string, by: string | undefined, args: string[]): RpcRequest {
  return { version, type, by: by ?? DEFAULT_BY, args, callback: null };
}

/** `v5` → 5; `vfoo` → NaN (FastAPI's 422); anything not starting with `v` is no RPC route at all. */
export function pathVersion(segment: string): number | null | undefined {
  if (!segment.startsWith('v')) return undefined;
  return parseVersion(segment.slice(1));
}

function looksLikeJson(contentType: string, body: string): boolean {
  if (contentType.includes('json')) return true;
  if (contentType.includes('x-www-form-urlencoded')) return false;
  return body.trimStart().startsWith('{');
}

type JsonBody = { [key: string]: unknown };

function parseJsonObject(body: string): JsonBody | null {
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonBody) : null;
  } catch {
    return null;
  }
}

const BAD_JSON = 'the request body must be a JSON object';

/**
 * POST /rpc/v{N}/info: aurweb reads JSON `{"arg":[…]}`, aurutils sends a form (`&arg[]=a&arg[]=b`);
 * both are accepted. Non-string list items can never name a package, so they become "".
 */
export function infoBody(version: number | null, contentType: string, body: string): ParsedRequest {
  if (!looksLikeJson(contentType, body)) {
    const form = parseForm(body);
    return pathRequest(version, 'info', form.scalars.by, form.args);
  }
  const data = parseJsonObject(body);
  if (!data) return { status: 400, message: BAD_JSON, version };
  const arg = data.arg ?? [];
  if (!Array.isArray(arg)) return { status: 400, message: "the 'arg' parameter must be of array type", version };
  const args = arg.map((a: unknown) => (typeof a === 'string' ? a : ''));
  return pathRequest(version, 'info', undefined, args);
}

/** POST /rpc/v{N}/search: JSON `{"arg": str, "by": str}` with aurweb's 400s, or the same keys as a form. */
export function searchBody(version: number | null, contentType: string, body: string): ParsedRequest {
  if (!looksLikeJson(contentType, body)) {
    const form = parseForm(body);
    return pathRequest(version, 'search', form.scalars.by, form.args.slice(0, 1));
  }
  const data = parseJsonObject(body);
  if (!data) return { status: 400, message: BAD_JSON, version };
  const by = data.by ?? DEFAULT_BY;
  if (typeof by !== 'string') return { status: 400, message: "the 'by' parameter must be of string type", version };
  const arg = data.arg ?? '';
  if (typeof arg !== 'string') return { status: 400, message: "the 'arg' parameter must be of string type", version };
  // aurweb only forwards a non-empty arg, so "" means "no argument" (orphans for by=maintainer).
  return pathRequest(version, 'search', by, arg === '' ? [] : [arg]);
}
