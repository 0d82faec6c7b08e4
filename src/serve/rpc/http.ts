import type { Context } from 'hono';
import { PUBLIC_PAGE_CSP } from '../pages/layout.js';
import { etagMatches, type Rendered } from './shape.js';

/**
 * The path and raw query of the request as the client wrote them. Only the query is parsed by
 * hand: aurweb's `arg[]` rules depend on order and on a literal `+` staying a `+`, which
 * URLSearchParams would lose.
 */
export function splitUrl(url: string): { pathAndQuery: string; query: string } {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  let pathAndQuery = start < 0 ? '/' : url.slice(start);
  const hash = pathAndQuery.indexOf('#');
  if (hash >= 0) pathAndQuery = pathAndQuery.slice(0, hash);
  const q = pathAndQuery.indexOf('?');
  return { pathAndQuery, query: q < 0 ? '' : pathAndQuery.slice(q + 1) };
}

export type BodyResult = { ok: true; text: string } | { ok: false; status: 400 | 413 };

/**
 * Reads at most `limit` bytes. A declared Content-Length over the limit is refused before reading;
 * a chunked body is counted as it arrives and abandoned once it passes the limit. Invalid UTF-8
 * becomes U+FFFD (and so matches nothing).
 */
export async function readBody(c: Context, limit: number): Promise<BodyResult> {
  const declared = c.req.header('content-length');
  try {
    if (declared !== undefined && /^\d+$/.test(declared.trim())) {
      if (Number(declared) > limit) return { ok: false, status: 413 };
      // Node's parser never delivers more than the declared length, so this read is bounded.
      return { ok: true, text: Buffer.from(await c.req.arrayBuffer()).toString('utf8') };
    }
    return await readStream(c.req.raw.body, limit);
  } catch {
    return { ok: false, status: 400 };
  }
}

async function readStream(body: ReadableStream<Uint8Array> | null, limit: number): Promise<BodyResult> {
  if (body === null) return { ok: true, text: '' };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      return { ok: false, status: 413 };
    }
    chunks.push(value);
  }
  return { ok: true, text: Buffer.concat(chunks).toString('utf8') };
}

/**
 * Sends a cached rendering. Handlers stay synchronous on cache hits and build a plain-object
 * Response, which @hono/node-server writes straight to the socket without a Headers object.
 */
export function send(c: Context, r: Rendered): Response {
  if (r.status === 200) {
    const inm = c.req.header('if-none-match');
    if (inm !== undefined && etagMatches(inm, r.etag)) return new Response(null, { status: 304, headers: r.notModifiedHeaders });
  }
  return new Response(r.body, { status: r.status, headers: r.headers });
}

const DOC_HTML = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>aurweb RPC interface</title></head>
<body>
<h1>aurweb RPC interface (v5)</h1>
<p>This server answers the AUR RPC like aur.archlinux.org, for the packages it serves.</p>
<ul>
<li><code>/rpc?v=5&amp;type=info&amp;arg[]=pkg1&amp;arg[]=pkg2</code>, or <code>/rpc/v5/info/pkg</code>,
  <code>/rpc/v5/info?arg[]=pkg</code>, POST <code>/rpc/v5/info</code> with <code>{"arg":["pkg"]}</code></li>
<li><code>/rpc?v=5&amp;type=search&amp;by=name-desc&amp;arg=term</code>, or <code>/rpc/v5/search/term?by=name</code></li>
<li><code>/rpc?v=5&amp;type=msearch&amp;arg=maintainer</code></li>
<li><code>/rpc?v=5&amp;type=suggest&amp;arg=prefix</code>, <code>/rpc/v5/suggest/prefix</code>,
  <code>/rpc/v5/suggest-pkgbase/prefix</code></li>
</ul>
<p><code>by</code>: name-desc (default), name, maintainer, submitter, comaintainers, depends, makedepends,
optdepends, checkdepends, provides, conflicts, replaces, groups, keywords.
Add <code>callback=name</code> for JSONP.</p>
</body>
</html>
`;

/**
 * aurweb answers GET /rpc with no query with its HTML documentation, not JSON. The RPC is answered
 * before the middleware that gives HTML pages their policy, so this page brings its own.
 */
export function docPage(): Response {
  return new Response(DOC_HTML, { status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': PUBLIC_PAGE_CSP } });
}
