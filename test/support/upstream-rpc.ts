import type { IncomingMessage } from 'node:http';
import type { SrcinfoRpcFields } from '../../src/srcinfo/types.js';
import type { UpstreamMeta } from './upstream.js';

/**
 * The test upstream's RPC v5: requests parsed and answered the way aurweb does (aurweb/rpc.py,
 * aurweb/routers/rpc.py), from rows the TestUpstream computes from each repo's current .SRCINFO.
 */

export interface RpcRow {
  fields: SrcinfoRpcFields;
  meta: UpstreamMeta;
  packageBaseId: number;
  id: number;
}
interface RpcRequest {
  v: string | undefined;
  type: string | undefined;
  by: string | undefined;
  args: string[];
}
type Json = Record<string, unknown>;

const RPC_LEGACY = /^\/rpc(?:\.php)?\/?$/;
const RPC_PATH = /^\/rpc\/v([^/]+)\/([a-z-]+)(?:\/(.+))?$/;
const BYS = new Set([
  'name-desc',
  'name',
  'maintainer',
  'depends',
  'makedepends',
  'optdepends',
  'checkdepends',
  'provides',
  'conflicts',
  'replaces',
  'groups',
  'submitter',
  'keywords',
  'comaintainers',
]);
const TYPES = new Set(['multiinfo', 'search', 'msearch', 'suggest', 'suggest-pkgbase']);
const RELATION_FIELDS = {
  depends: 'Depends',
  makedepends: 'MakeDepends',
  optdepends: 'OptDepends',
  checkdepends: 'CheckDepends',
  provides: 'Provides',
  conflicts: 'Conflicts',
  replaces: 'Replaces',
} as const satisfies Record<string, keyof SrcinfoRpcFields>;

export async function readRpcRequest(req: IncomingMessage, url: URL): Promise<RpcRequest | 'docs' | 'not-found'> {
  const path = RPC_PATH.exec(url.pathname);
  if (!RPC_LEGACY.test(url.pathname) && path === null) return 'not-found';
  const body = req.method === 'POST' ? await readBody(req) : undefined;
  if (path === null && body === undefined && url.search.length <= 1) return 'docs'; // aurweb serves rpc.html
  const request = fromPairs(body === undefined ? queryPairs(url.search.slice(1)) : bodyPairs(body));
  if (path === null) return request;
  const [, v, type, arg] = path;
  // The path arg wins; aurweb re-parsing the query and losing it is a bug not worth copying.
  return { ...request, v, type, args: arg === undefined ? request.args : [decode(arg)] };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** aurweb's legacy GET parsing uses unquote(), not unquote_plus(): a literal `+` stays `+`. */
function queryPairs(query: string): [string, string][] {
  return query
    .split('&')
    .filter(Boolean)
    .map((part) => {
      const equals = part.indexOf('=');
      return equals === -1 ? [decode(part), ''] : [decode(part.slice(0, equals)), decode(part.slice(equals + 1))];
    });
}

/** POST bodies come as forms (paru, aurutils) or as JSON (aurweb's openapi routes). */
function bodyPairs(body: string): [string, string][] {
  if (!body.trimStart().startsWith('{')) return [...new URLSearchParams(body)];
  const parsed = JSON.parse(body) as Json;
  return Object.entries(parsed).flatMap(([key, value]) =>
    (Array.isArray(value) ? value : [value]).map((item): [string, string] => [key, String(item)]),
  );
}

function fromPairs(pairs: [string, string][]): RpcRequest {
  const last = (key: string): string | undefined => pairs.filter(([name, value]) => name === key && value !== '').at(-1)?.[1];
  const args = pairs.filter(([name]) => name === 'arg' || name === 'arg[]').map(([, value]) => value);
  return { v: last('v'), type: last('type'), by: last('by'), args };
}

export function answerRpc(request: RpcRequest, rows: RpcRow[]): unknown {
  const version = request.v === undefined ? null : Number(request.v);
  const error = (message: string): Json => ({
    error: message,
    resultcount: 0,
    results: [],
    type: 'error',
    version: Number.isInteger(version) ? version : null,
  });
  // The checks run in aurweb's order (RPC._verify_inputs), so each bad request gets its exact message.
  if (version === null) return error('Please specify an API version.');
  if (version !== 5) return error('Invalid version specified.');
  const by = request.by ?? 'name-desc';
  if (!BYS.has(by)) return error('Incorrect by field specified.');
  if (request.type === undefined) return error('No request type/data specified.');
  const type = request.type === 'info' ? 'multiinfo' : request.type;
  if (!TYPES.has(type)) return error('Incorrect request type specified.');
  if (type === 'suggest' || type === 'suggest-pkgbase') return suggest(type, request.args[0], rows);
  if (type === 'multiinfo') {
    if (request.args.length === 0) return error('No request type/data specified.');
    const wanted = new Set(request.args);
    return envelope(type, rows.filter((row) => wanted.has(row.fields.Name)).map(infoResult));
  }
  const searchBy = type === 'msearch' ? 'maintainer' : by;
  const arg = request.args[0] ?? '';
  if (searchBy !== 'maintainer' && request.args.length === 0) return error('No request type/data specified.');
  if (searchBy !== 'maintainer' && arg.length < 2) return error('Query arg too small.');
  const found = rows.filter((row) => matches(row, searchBy, arg));
  return envelope(type, found.sort((a, b) => compare(a.fields.Name, b.fields.Name)).map(searchResult));
}

function envelope(type: string, results: unknown[]): Json {
  return { resultcount: results.length, results, type, version: 5 };
}

/** aurweb/packages/search.py: name searches are MySQL LIKE (substring, case-insensitive), the rest exact. */
function matches({ fields, meta }: RpcRow, by: string, arg: string): boolean {
  const contains = (text: string | null): boolean => (text ?? '').toLowerCase().includes(arg.toLowerCase());
  if (by === 'name') return contains(fields.Name);
  if (by === 'name-desc') return contains(fields.Name) || contains(fields.Description);
  if (by === 'maintainer') return meta.Maintainer === (arg === '' ? null : arg); // empty arg: the orphans
  if (by === 'submitter') return meta.Submitter === arg;
  if (by === 'comaintainers') return meta.CoMaintainers.includes(arg);
  if (by === 'keywords') return meta.Keywords.includes(arg);
  if (by === 'groups') return fields.Groups.includes(arg);
  if (by === 'provides' && fields.Name === arg) return true; // a package always provides itself
  const key = RELATION_FIELDS[by as keyof typeof RELATION_FIELDS];
  return fields[key].some((entry) => entry.split(/[<>=]/, 1)[0] === arg);
}

function suggest(type: string, arg: string | undefined, rows: RpcRow[]): string[] {
  if (arg === undefined) return [];
  const names = rows.map((row) => (type === 'suggest' ? row.fields.Name : row.fields.PackageBase));
  const prefix = arg.toLowerCase();
  return [...new Set(names)]
    .filter((name) => name.toLowerCase().startsWith(prefix))
    .sort(compare)
    .slice(0, 20);
}

function searchResult({ fields, meta, id, packageBaseId }: RpcRow): Json {
  return sortedKeys({
    ID: id,
    Name: fields.Name,
    PackageBaseID: packageBaseId,
    PackageBase: fields.PackageBase,
    Version: fields.Version,
    Description: fields.Description,
    URL: fields.URL,
    URLPath: `/cgit/aur.git/snapshot/${fields.PackageBase}.tar.gz`,
    NumVotes: meta.NumVotes,
    // aurweb rounds to 6 decimals and prints an integer 0 for zero.
    Popularity: meta.Popularity === 0 ? 0 : Math.round(meta.Popularity * 1e6) / 1e6,
    OutOfDate: meta.OutOfDate,
    Maintainer: meta.Maintainer,
    FirstSubmitted: meta.FirstSubmitted,
    LastModified: meta.LastModified,
  });
}

/** Info adds Submitter, License, Keywords, PendingRequests always, and the other lists only when non-empty. */
function infoResult(row: RpcRow): Json {
  const { fields, meta } = row;
  const lists: Record<string, string[]> = {
    Depends: fields.Depends,
    MakeDepends: fields.MakeDepends,
    CheckDepends: fields.CheckDepends,
    OptDepends: fields.OptDepends,
    Conflicts: fields.Conflicts,
    Provides: fields.Provides,
    Replaces: fields.Replaces,
    Groups: fields.Groups,
    CoMaintainers: meta.CoMaintainers,
  };
  return sortedKeys({
    ...searchResult(row),
    Submitter: meta.Submitter,
    License: fields.License,
    Keywords: meta.Keywords,
    PendingRequests: meta.PendingRequests,
    ...Object.fromEntries(Object.entries(lists).filter(([, list]) => list.length > 0)),
  });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** orjson's OPT_SORT_KEYS: JSON.stringify keeps insertion order, so insert in code-point order. */
function sortedKeys(object: Json): Json {
  return Object.fromEntries(Object.entries(object).sort(([a], [b]) => compare(a, b)));
}
