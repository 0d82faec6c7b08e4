import { createHash } from 'node:crypto';
import type { ServedPackage } from '../../store/served-catalog.js';
import { PyFloat, distinct, writeJson, type JsonValue } from './json.js';

/**
 * Response shaping: exactly the bytes aurweb's orjson would produce (compact, keys sorted at every
 * level), plus the ready-to-send headers. Package objects are built field by field from the
 * AUR's field list, so the non-AUR `commit`/`approvedAt` can never leak out.
 */

/** aurweb: `0 if not pop else float(number_format(pop, 6))`, i.e. an integer 0 or a 6-decimal float. */
function popularity(value: number): JsonValue {
  if (!value || !Number.isFinite(value)) return 0;
  return new PyFloat(Number(value.toFixed(6)));
}

/** The search field set (aurweb pops Submitter from search results; lists are info-only). */
function searchFields(pkg: ServedPackage): Record<string, JsonValue> {
  return {
    ID: pkg.ID,
    Name: pkg.Name,
    PackageBaseID: pkg.PackageBaseID,
    PackageBase: pkg.PackageBase,
    Version: pkg.Version,
    Description: pkg.Description ?? null,
    URL: pkg.URL ?? null,
    URLPath: pkg.URLPath ?? '',
    NumVotes: pkg.NumVotes,
    Popularity: popularity(pkg.Popularity),
    OutOfDate: pkg.OutOfDate ?? null,
    Maintainer: pkg.Maintainer ?? null,
    FirstSubmitted: pkg.FirstSubmitted,
    LastModified: pkg.LastModified,
  };
}

/** A package's dependency and relation lists (one aurweb table each), in aurweb's order. */
export const RELATION_LISTS = ['Depends', 'MakeDepends', 'CheckDepends', 'OptDepends', 'Conflicts', 'Provides', 'Replaces', 'Groups'] as const;

/** Lists aurweb emits only when the package has rows for them (`test_rpc_no_dependencies_omits_key`). */
const OPTIONAL_LISTS = [...RELATION_LISTS, 'CoMaintainers'] as const;

export function searchJson(pkg: ServedPackage): string {
  return writeJson(searchFields(pkg), true);
}

export function infoJson(pkg: ServedPackage): string {
  const obj: Record<string, JsonValue> = {
    ...searchFields(pkg),
    Submitter: pkg.Submitter ?? null,
    // Always present, possibly empty (raur decodes them as non-nullable lists).
    License: distinct(pkg.License),
    Keywords: distinct(pkg.Keywords),
    PendingRequests: 0,
  };
  for (const key of OPTIONAL_LISTS) {
    const values = distinct(pkg[key]);
    if (values.length > 0) obj[key] = values;
  }
  return writeJson(obj, true);
}

export type ResultType = 'multiinfo' | 'search' | 'msearch';

/** Keys in sorted order: resultcount, results, type, version; no `error` key (pikaur checks for it). */
export function resultsJson(type: ResultType, fragments: readonly string[]): string {
  return `{"resultcount":${fragments.length},"results":[${fragments.join(',')}],"type":"${type}","version":5}`;
}

export function errorJson(message: string, version: number | null): string {
  const v = version !== null && Number.isSafeInteger(version) ? version : null;
  return writeJson({ error: message, resultcount: 0, results: [], type: 'error', version: v }, true);
}

/** suggest / suggest-pkgbase answer a bare array. */
export function namesJson(names: readonly string[]): string {
  return JSON.stringify(names);
}

/** A finished response: body bytes and headers computed once, then served from cache. */
export interface Rendered {
  readonly status: number;
  readonly body: Uint8Array<ArrayBuffer>;
  /** Quoted, as sent in the ETag header. */
  readonly etag: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly notModifiedHeaders: Readonly<Record<string, string>>;
  /** Approximate bytes held, for the cache budget. */
  readonly size: number;
}

const encoder = new TextEncoder();

/**
 * aurweb hashes the JSON before wrapping it for JSONP, so the ETag of `/**\/cb(…)` equals the plain
 * one. Content-Length is set here so HEAD answers carry it too.
 */
export function render(json: string, status = 200, callback: string | null = null): Rendered {
  const etag = `"${createHash('md5').update(json).digest('hex')}"`;
  const contentType = callback === null ? 'application/json' : 'text/javascript';
  const body = encoder.encode(callback === null ? json : `/**/${callback}(${json})`);
  return {
    status,
    body,
    etag,
    headers: { 'content-type': contentType, etag, 'content-length': String(body.byteLength) },
    notModifiedHeaders: { 'content-type': contentType, etag },
    size: body.byteLength + 200,
  };
}

/** aurweb strips quotes and whitespace before comparing; lists and weak tags are accepted too. */
export function etagMatches(ifNoneMatch: string, etag: string): boolean {
  if (ifNoneMatch === etag) return true;
  const bare = etag.slice(1, -1);
  for (const part of ifNoneMatch.split(',')) {
    let tag = part.trim();
    if (tag.startsWith('W/')) tag = tag.slice(2);
    tag = tag.replace(/^[\s"]+|[\s"]+$/g, '');
    if (tag === bare || tag === '*') return true;
  }
  return false;
}
