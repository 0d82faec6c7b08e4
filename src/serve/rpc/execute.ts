import type { CatalogIndex, ExactBy } from './catalog-index.js';
import type { RpcRequest } from './request.js';
import { errorJson, namesJson, resultsJson } from './shape.js';

/** aurweb's exact error strings (aurweb/rpc.py, aurweb/routers/rpc.py); helpers match on them. */
export const MESSAGES = {
  noVersion: 'Please specify an API version.',
  badVersion: 'Invalid version specified.',
  badBy: 'Incorrect by field specified.',
  noData: 'No request type/data specified.',
  badType: 'Incorrect request type specified.',
  tooSmall: 'Query arg too small.',
  tooMany: 'Too many package results.',
  badCallback: 'Invalid callback name.',
} as const;

/** aurweb's `max_rpc_results`; paru's search fallback relies on the error above it. */
export const MAX_RESULTS = 5000;
const SUGGEST_LIMIT = 20;
const JSONP_NAME = /^[a-zA-Z0-9()_.]{1,128}$/;

const EXACT_BYS: ReadonlySet<string> = new Set<ExactBy>([
  'maintainer',
  'submitter',
  'comaintainers',
  'depends',
  'makedepends',
  'optdepends',
  'checkdepends',
  'provides',
  'conflicts',
  'replaces',
  'groups',
  'keywords',
]);
const BYS: ReadonlySet<string> = new Set(['name-desc', 'name', ...EXACT_BYS]);
const TYPES: ReadonlySet<string> = new Set(['multiinfo', 'search', 'msearch', 'suggest', 'suggest-pkgbase']);

/** A validated request, reduced to what determines the answer (so equal plans share one cached body). */
export type Plan =
  | { kind: 'error'; message: string; version: number | null }
  | { kind: 'info'; names: string[] }
  | { kind: 'search'; type: 'search' | 'msearch'; by: string; arg: string }
  | { kind: 'suggest'; pkgbase: boolean; arg: string | null };

function fail(message: string, version: number | null): Plan {
  return { kind: 'error', message, version };
}

/** aurweb's `len(arg) < 2` counts code points, so one astral character is still too small. */
function tooSmall(s: string): boolean {
  return s.length < 2 || (s.length === 2 && (s.codePointAt(0) ?? 0) > 0xffff);
}

/** The checks of aurweb's `RPC.handle` and its type handlers, in aurweb's order. */
export function plan(req: RpcRequest): Plan {
  const v = req.version;
  if (req.callback !== null && req.callback !== '' && !JSONP_NAME.test(req.callback)) return fail(MESSAGES.badCallback, v);
  if (v === null) return fail(MESSAGES.noVersion, v);
  if (v !== 5) return fail(MESSAGES.badVersion, v);
  if (!BYS.has(req.by)) return fail(MESSAGES.badBy, v);
  if (req.type === null) return fail(MESSAGES.noData, v);
  const type = req.type === 'info' ? 'multiinfo' : req.type;
  if (!TYPES.has(type)) return fail(MESSAGES.badType, v);
  switch (type) {
    case 'multiinfo':
      return infoPlan(req.args);
    case 'suggest':
    case 'suggest-pkgbase':
      return { kind: 'suggest', pkgbase: type === 'suggest-pkgbase', arg: req.args[0] ?? null };
    default:
      return searchPlan(type === 'msearch' ? 'msearch' : 'search', type === 'msearch' ? 'maintainer' : req.by, req.args);
  }
}

function infoPlan(args: readonly string[]): Plan {
  if (args.length === 0) return fail(MESSAGES.noData, 5);
  const names = [...new Set(args)];
  // aurweb caps matched rows; capping distinct names as well bounds the work any request can cause.
  if (names.length > MAX_RESULTS) return fail(MESSAGES.tooMany, 5);
  return { kind: 'info', names: names.sort() };
}

function searchPlan(type: 'search' | 'msearch', by: string, args: readonly string[]): Plan {
  // by=maintainer with no (or an empty) argument lists the orphans.
  if (by !== 'maintainer' && args.length === 0) return fail(MESSAGES.noData, 5);
  const arg = args[0] ?? '';
  if (by !== 'maintainer' && tooSmall(arg)) return fail(MESSAGES.tooSmall, 5);
  return { kind: 'search', type, by, arg };
}

/** The normalized cache key: requests with equal keys get byte-identical bodies. */
export function planKey(p: Plan): string {
  switch (p.kind) {
    case 'error':
      return `E\0${p.version}\0${p.message}`;
    case 'info':
      return `I\0${p.names.join('\0')}`;
    case 'search':
      return `S\0${p.type}\0${p.by}\0${p.arg}`;
    case 'suggest':
      return `G\0${p.pkgbase ? 1 : 0}\0${p.arg ?? '\u{10ffff}'}`;
  }
}

/** Runs a plan against the generation's index and returns the response JSON. */
export function execute(index: CatalogIndex, p: Plan): string {
  switch (p.kind) {
    case 'error':
      return errorJson(p.message, p.version);
    case 'info':
      return infoResults(index, p.names);
    case 'search':
      return searchResults(index, p.type, p.by, p.arg);
    case 'suggest':
      return namesJson(p.arg === null ? [] : index.suggest(p.arg.toLowerCase(), p.pkgbase, SUGGEST_LIMIT));
  }
}

function infoResults(index: CatalogIndex, names: readonly string[]): string {
  const rows: number[] = [];
  for (const name of names) {
    const row = index.rowOf(name);
    if (row !== undefined) rows.push(row);
  }
  rows.sort((a, b) => a - b);
  return resultsJson(
    'multiinfo',
    rows.map((row) => index.infoFragment(row)),
  );
}

function searchResults(index: CatalogIndex, type: 'search' | 'msearch', by: string, arg: string): string {
  const rows = searchRows(index, by, arg);
  if (rows.length > MAX_RESULTS) return errorJson(MESSAGES.tooMany, 5);
  return resultsJson(
    type,
    rows.map((row) => index.searchFragment(row)),
  );
}

/** aurweb's RPCSearch: LIKE for name/name-desc (case-insensitive), exact matches for the rest. */
function searchRows(index: CatalogIndex, by: string, arg: string): readonly number[] {
  if (by === 'name-desc' || by === 'name') return index.nameContains(arg.toLowerCase(), by === 'name-desc');
  if (by === 'maintainer' && arg === '') return index.orphans();
  if (!EXACT_BYS.has(by)) return [];
  const rows = index.exactRows(by as ExactBy, arg);
  if (by !== 'provides') return rows;
  // A package always provides itself: aurweb unions the relation match with an exact Name match.
  const self = index.rowOf(arg);
  if (self === undefined || rows.includes(self)) return rows;
  return [...rows, self].sort((a, b) => a - b);
}
