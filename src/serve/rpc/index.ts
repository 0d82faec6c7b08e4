import { Hono, type Context } from 'hono';
import { errorReplyFor } from '../../error-mapping.js';
import type { Logger } from '../../log.js';
import type { Catalog } from '../../store/served-catalog.js';
import { DEFAULT_CACHE_LIMITS, RpcState, type CacheLimits, type Snapshot } from './cache.js';
import { MESSAGES, execute, plan, planKey } from './execute.js';
import { docPage, readBody, send, splitUrl } from './http.js';
import { infoBody, isRejected, legacyRequest, parseForm, parseQuery, pathRequest, pathVersion, searchBody, type ParsedRequest } from './request.js';
import { errorJson, render, type Rendered } from './shape.js';

export { MESSAGES, MAX_RESULTS } from './execute.js';

export interface RpcOptions {
  /** Longest accepted path+query (414 above it). */
  maxQueryBytes?: number;
  /** Largest accepted POST body (413 above it). */
  maxBodyBytes?: number;
  cache?: CacheLimits;
  /** Where errors of our own (the catalog could not be read) are logged. */
  logger?: Logger;
}

const KIB = 1024;
const LEGACY_PATHS = ['/rpc', '/rpc/', '/rpc.php', '/rpc.php/'];

/** Parses one route's request form; null means "not an RPC route" (404). */
type FromQuery = (c: Context, query: string) => ParsedRequest | null;
type FromBody = (c: Context, body: string, contentType: string) => ParsedRequest | null;

/**
 * The AUR RPC v5 over the served catalog: the legacy `/rpc` forms (GET query, POST form, JSONP)
 * and the `/rpc/v{N}/…` routes. Every answer is computed once per catalog generation and then
 * served from cache; nothing here redirects, and bad input gets an AUR error object or a 4xx.
 */
export function rpcRoutes(catalog: Catalog, options: RpcOptions = {}): Hono {
  return rpcService(catalog, options).routes;
}

export interface RpcService {
  routes: Hono;
  /**
   * The cached answer of a GET whose exact path and query were answered before in this catalog
   * generation, or undefined. Lets the HTTP server answer repeated requests without building a
   * request context; anything else goes through `routes`.
   */
  cachedGet(pathAndQuery: string): Rendered | undefined;
}

export function rpcService(catalog: Catalog, options: RpcOptions = {}): RpcService {
  const state = new RpcState(catalog, options.cache ?? DEFAULT_CACHE_LIMITS);
  const maxQuery = options.maxQueryBytes ?? 64 * KIB;
  const maxBody = options.maxBodyBytes ?? 64 * KIB;
  const app = new Hono();
  // Helpers parse every RPC answer as JSON: a failure is an AUR error object too, with the status
  // error-mapping.ts gives it (500 for our own failures, which are logged and not described).
  app.onError((error, c) => {
    const reply = errorReplyFor(error);
    if (reply.internal) options.logger?.error({ err: error, path: c.req.path }, 'rpc request failed');
    return send(c, render(errorJson(reply.message, null), reply.status));
  });

  const get = (fromQuery: FromQuery) => (c: Context) => answerGet(c, state, maxQuery, fromQuery);
  const post = (fromBody: FromBody) => (c: Context) => answerPost(c, state, maxQuery, maxBody, fromBody);

  for (const path of LEGACY_PATHS) {
    app.get(path, (c) => (splitUrl(c.req.url).query === '' ? docPage() : answerGet(c, state, maxQuery, legacyGet)));
    app.post(
      path,
      post((_c, body) => legacyRequest(parseForm(body))),
    );
  }
  app.get('/rpc/:ver/info/:name', get(withVersion((c, v, q) => pathRequest(v, 'info', q.scalars.by, [param(c, 'name')]))));
  app.get('/rpc/:ver/info', get(withVersion((_c, v, q) => pathRequest(v, 'info', q.scalars.by, q.args))));
  app.post(
    '/rpc/:ver/info',
    post((c, body, type) => bodyWithVersion(c, (v) => infoBody(v, type, body))),
  );
  // The term comes from the path and `by` from the query (aurweb loses the term here; aurutils sends this form).
  app.get('/rpc/:ver/search/:arg', get(withVersion((c, v, q) => pathRequest(v, 'search', q.scalars.by, [param(c, 'arg')]))));
  app.get('/rpc/:ver/search', get(withVersion((_c, v, q) => pathRequest(v, 'search', q.scalars.by, q.args))));
  app.post(
    '/rpc/:ver/search',
    post((c, body, type) => bodyWithVersion(c, (v) => searchBody(v, type, body))),
  );
  for (const type of ['suggest', 'suggest-pkgbase']) {
    app.get(`/rpc/:ver/${type}/:arg`, get(withVersion((c, v, q) => pathRequest(v, type, q.scalars.by, [param(c, 'arg')]))));
    app.get(`/rpc/:ver/${type}`, get(withVersion((_c, v, q) => pathRequest(v, type, q.scalars.by, q.args))));
  }
  return {
    routes: app,
    cachedGet: (pathAndQuery) => (pathAndQuery.length > maxQuery ? undefined : state.current().raw.get(pathAndQuery)),
  };
}

function legacyGet(_c: Context, query: string): ParsedRequest {
  return legacyRequest(parseQuery(query));
}

function param(c: Context, name: string): string {
  return c.req.param(name) ?? '';
}

/**
 * `/rpc/v{N}/…`: a segment not starting with `v` is no route (404); a non-integer N is FastAPI's
 * 422; an integer N ≠ 5 reaches the RPC and gets "Invalid version specified.".
 */
function versionFromPath(c: Context): number | null | ParsedRequest | undefined {
  const version = pathVersion(param(c, 'ver'));
  if (version === undefined) return undefined;
  if (version !== null && Number.isNaN(version)) return { status: 422, message: MESSAGES.badVersion, version: null };
  return version;
}

type PathParse = (c: Context, version: number | null, query: ReturnType<typeof parseQuery>) => ParsedRequest;

function withVersion(parse: PathParse): FromQuery {
  return (c, query) => {
    const version = versionFromPath(c);
    if (version === undefined) return null;
    if (version !== null && typeof version === 'object') return version;
    return parse(c, version, parseQuery(query));
  };
}

function bodyWithVersion(c: Context, parse: (version: number | null) => ParsedRequest): ParsedRequest | null {
  const version = versionFromPath(c);
  if (version === undefined) return null;
  if (version !== null && typeof version === 'object') return version;
  return parse(version);
}

function limitError(status: 413 | 414 | 400): Rendered {
  const message = status === 414 ? 'Request URI too long.' : status === 413 ? 'Request body too large.' : 'Unreadable request body.';
  return render(errorJson(message, null), status);
}

/** GET: a raw-cache hit costs one Map lookup; a miss parses, plans, and shares the normalized cache. */
function answerGet(c: Context, state: RpcState, maxQuery: number, fromQuery: FromQuery): Response | Promise<Response> {
  const { pathAndQuery, query } = splitUrl(c.req.url);
  if (pathAndQuery.length > maxQuery) return send(c, limitError(414));
  const snap = state.current();
  const hit = snap.raw.get(pathAndQuery);
  if (hit !== undefined) return send(c, hit);
  const parsed = fromQuery(c, query);
  if (parsed === null) return c.notFound();
  const rendered = renderRequest(snap, parsed);
  snap.raw.set(pathAndQuery, rendered);
  return send(c, rendered);
}

async function answerPost(c: Context, state: RpcState, maxQuery: number, maxBody: number, fromBody: FromBody): Promise<Response> {
  const { pathAndQuery } = splitUrl(c.req.url);
  if (pathAndQuery.length > maxQuery) return send(c, limitError(414));
  const body = await readBody(c, maxBody);
  if (!body.ok) return send(c, limitError(body.status));
  const contentType = c.req.header('content-type') ?? '';
  const key = `POST ${pathAndQuery}\0${contentType}\0${body.text}`;
  const snap = state.current();
  const hit = snap.raw.get(key);
  if (hit !== undefined) return send(c, hit);
  const parsed = fromBody(c, body.text, contentType);
  if (parsed === null) return c.notFound();
  const rendered = renderRequest(snap, parsed);
  snap.raw.set(key, rendered);
  return send(c, rendered);
}

const decoder = new TextDecoder();

function renderRequest(snap: Snapshot, parsed: ParsedRequest): Rendered {
  if (isRejected(parsed)) return render(errorJson(parsed.message, parsed.version), parsed.status);
  const p = plan(parsed);
  const key = planKey(p);
  let base = snap.normalized.get(key);
  if (base === undefined) {
    base = render(execute(snap.index, p));
    snap.normalized.set(key, base);
  }
  // JSONP wraps every answer except the refusal of the callback itself, which aurweb sends as JSON.
  const jsonp = parsed.callback !== null && parsed.callback !== '' && !(p.kind === 'error' && p.message === MESSAGES.badCallback);
  return jsonp ? render(decoder.decode(base.body), 200, parsed.callback) : base;
}
