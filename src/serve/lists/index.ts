import { createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { Catalog, ServedPackage } from '../../store/served-catalog.js';
import { etagMatches } from '../rpc/shape.js';
import { LIST_FILES, buildArchive, newestApproval, type Archive, type ListFile } from './archives.js';

export { LIST_FILES, listContent, type ListFile } from './archives.js';

/** One ready-to-send representation of a file. */
interface Variant {
  readonly body: Uint8Array<ArrayBuffer>;
  readonly etag: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly notModifiedHeaders: Readonly<Record<string, string>>;
}

interface Built {
  /** Raw gzip, no Content-Encoding: what production AUR sends since ~Nov 2025 (paru ≥ 2.1 gunzips itself). */
  readonly plain: Variant;
  /** Same bytes with `Content-Encoding: gzip` for `Yay/` (yay ≤ 12.5.2 relies on Go decoding it). */
  readonly yay: Variant;
  readonly checksum: Variant;
}

interface ListSnapshot {
  readonly generation: number;
  readonly packages: readonly ServedPackage[];
  readonly lastModifiedSeconds: number;
  readonly lastModified: string;
  readonly built: Map<ListFile, Promise<Built>>;
}

const encoder = new TextEncoder();

function variant(body: Uint8Array<ArrayBuffer>, etag: string, lastModified: string, extra: Record<string, string>): Variant {
  const validators: Record<string, string> = { etag, 'last-modified': lastModified };
  if (extra.vary !== undefined) validators.vary = extra.vary;
  return {
    body,
    etag,
    headers: { ...validators, ...extra, 'content-length': String(body.byteLength) },
    // No Content-Encoding on a bodiless 304: Go's transport would try to gunzip the empty body.
    notModifiedHeaders: validators,
  };
}

function decodedType(file: ListFile): string {
  return file.endsWith('.json.gz') ? 'application/json' : 'text/plain; charset=utf-8';
}

function variants(file: ListFile, archive: Archive, lastModified: string): Built {
  // The response differs by User-Agent (Content-Encoding), so shared caches must key on it.
  const vary = { vary: 'User-Agent' };
  const checksum = encoder.encode(archive.checksumLine);
  return {
    plain: variant(archive.gz, `"${archive.sha256}"`, lastModified, { 'content-type': 'application/gzip', ...vary }),
    yay: variant(archive.gz, `"${archive.sha256}-gzip"`, lastModified, {
      'content-type': decodedType(file),
      'content-encoding': 'gzip',
      ...vary,
    }),
    checksum: variant(checksum, `"${createHash('sha256').update(checksum).digest('hex')}"`, lastModified, {
      'content-type': 'text/plain; charset=utf-8',
    }),
  };
}

/** Archives are built on first request per generation and kept until the generation moves. */
class ListState {
  private snapshot: ListSnapshot | undefined;

  constructor(private readonly catalog: Catalog) {}

  current(): ListSnapshot {
    const generation = this.catalog.generation();
    if (this.snapshot?.generation === generation) return this.snapshot;
    const packages = this.catalog.packages();
    const seconds = newestApproval(packages);
    this.snapshot = {
      generation,
      packages,
      lastModifiedSeconds: seconds,
      lastModified: new Date(seconds * 1000).toUTCString(),
      built: new Map(),
    };
    return this.snapshot;
  }

  build(snap: ListSnapshot, file: ListFile): Promise<Built> {
    let pending = snap.built.get(file);
    if (pending === undefined) {
      pending = buildArchive(file, snap.packages).then((archive) => variants(file, archive, snap.lastModified));
      // A failed build must not be cached forever; the next request retries.
      pending.catch(() => snap.built.delete(file));
      snap.built.set(file, pending);
    }
    return pending;
  }
}

/** If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2); dates compare at whole seconds. */
function isNotModified(c: Context, v: Variant, lastModifiedSeconds: number): boolean {
  const inm = c.req.header('if-none-match');
  if (inm !== undefined) return etagMatches(inm, v.etag);
  const ims = c.req.header('if-modified-since');
  if (ims === undefined) return false;
  const since = Date.parse(ims);
  return !Number.isNaN(since) && lastModifiedSeconds * 1000 <= since;
}

function respond(c: Context, v: Variant, lastModifiedSeconds: number): Response {
  if (isNotModified(c, v, lastModifiedSeconds)) return new Response(null, { status: 304, headers: v.notModifiedHeaders });
  return new Response(v.body, { status: 200, headers: v.headers });
}

/**
 * `/packages.gz`, `/pkgbase.gz`, `/users.gz`, `/packages-meta-v1.json.gz`, `/packages-meta-ext-v1.json.gz` and
 * each `<file>.sha256`. GET and HEAD (Hono answers HEAD from the GET route, keeping the headers):
 * aurutils' `aur pkglist` sends HEAD and reads Last-Modified, then verifies with the .sha256.
 */
export function listRoutes(catalog: Catalog): Hono {
  const state = new ListState(catalog);
  const app = new Hono();
  for (const file of LIST_FILES) {
    app.get(`/${file}`, async (c) => {
      const snap = state.current();
      const built = await state.build(snap, file);
      const yay = (c.req.header('user-agent') ?? '').startsWith('Yay/');
      return respond(c, yay ? built.yay : built.plain, snap.lastModifiedSeconds);
    });
    app.get(`/${file}.sha256`, async (c) => {
      const snap = state.current();
      const built = await state.build(snap, file);
      return respond(c, built.checksum, snap.lastModifiedSeconds);
    });
  }
  return app;
}
