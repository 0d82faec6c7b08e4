import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import type { Context } from 'hono';
import { commitsBetween, readBlob } from '../../git/history.js';
import { isFullCommitId, isValidPackageName } from '../../srcinfo/names.js';
import type { Snapshot, SnapshotStore } from '../../store/snapshots.js';
import type { RevisionLookup, ServedLookup } from '../../store/served-catalog.js';
import { logPage } from '../pages/log-page.js';
import { validPlainPath } from './paths.js';
import { resolveName, resolveTarget } from './resolve.js';
import { treeRoutes } from './tree-routes.js';

export interface CgitDeps {
  lookup: ServedLookup & RevisionLookup;
  servedRoot: string;
  snapshots: SnapshotStore;
}

function plain(c: Context, status: 400 | 404 | 410, message: string): Response {
  return c.body(`${message}\n`, status, { 'Content-Type': 'text/plain; charset=utf-8' });
}

function snapshotResponse(c: Context, name: string, snapshot: Snapshot, cacheControl: string): Response {
  const headers = {
    'Content-Type': 'application/x-gzip',
    'Content-Length': String(snapshot.size),
    'Content-Disposition': `attachment; filename="${name}"`,
    ETag: `"${snapshot.sha256}"`,
    'X-Checksum-Sha256': snapshot.sha256,
    'Cache-Control': cacheControl,
  };
  if (c.req.header('If-None-Match') === `"${snapshot.sha256}"`) return c.body(null, 304, headers);
  if (c.req.method === 'HEAD') return c.body(null, 200, headers);
  return new Response(Readable.toWeb(createReadStream(snapshot.file)) as ReadableStream<Uint8Array>, { status: 200, headers });
}

/**
 * cgit-style URLs over served repos only: the snapshot of the approved head, immutable per-revision
 * snapshots, plain files, the tree and commit views and the log. Each name, path and id is validated
 * before git is asked anything.
 */
export function cgitRoutes(deps: CgitDeps): Hono {
  const app = new Hono();

  app.on(['GET', 'HEAD'], '/cgit/aur.git/snapshot/:file', async (c) => {
    const file = c.req.param('file');
    const name = file.endsWith('.tar.gz') ? file.slice(0, -'.tar.gz'.length) : '';
    if (!isValidPackageName(name)) return plain(c, 404, 'aurgate: snapshots are named <pkgbase or pkgname>.tar.gz');
    // A split package's pkgname gets its pkgbase's archive (cgit has one repo per pkgbase), under the name asked for.
    const resolved = resolveName(deps, name);
    if (!resolved.ok) return plain(c, resolved.status, resolved.message);
    const { pkgbase, head } = resolved.target;
    return snapshotResponse(c, file, await deps.snapshots.get(pkgbase, head), 'no-cache');
  });

  app.on(['GET', 'HEAD'], '/snapshot/:pkgbase/:file', async (c) => {
    const pkgbase = c.req.param('pkgbase');
    const file = c.req.param('file');
    const commit = file.endsWith('.tar.gz') ? file.slice(0, -'.tar.gz'.length) : '';
    if (!isValidPackageName(pkgbase) || !isFullCommitId(commit))
      return plain(c, 404, 'aurgate: pinned snapshots are /snapshot/<pkgbase>/<full commit id>.tar.gz');
    const availability = deps.lookup.revisionAvailability(pkgbase, commit);
    if (availability.kind === 'revoked') return plain(c, 410, `aurgate: ${pkgbase} ${commit} was revoked: ${availability.reason}`);
    if (availability.kind !== 'approved') return plain(c, 404, `aurgate: ${pkgbase} ${commit} is not an approved revision`);
    return snapshotResponse(
      c,
      `${pkgbase}-${commit.slice(0, 12)}.tar.gz`,
      await deps.snapshots.get(pkgbase, commit),
      'public, max-age=31536000, immutable',
    );
  });

  app.on(['GET', 'HEAD'], '/cgit/aur.git/plain/*', async (c) => {
    const file = validPlainPath(c.req.path.slice('/cgit/aur.git/plain/'.length));
    if (!file) return plain(c, 404, 'aurgate: no such file');
    const resolved = await resolveTarget(deps, c.req.query('h') ?? '', c.req.query('id'));
    if (!resolved.ok) return plain(c, resolved.status, resolved.message);
    const { pkgbase, repo, commit } = resolved.target;
    const blob = await readBlob(repo, commit, file);
    if (!blob) return plain(c, 404, `aurgate: ${pkgbase} has no file ${file}`);
    const headers = { 'Content-Type': 'text/plain; charset=UTF-8', 'Content-Length': String(blob.length) };
    return c.req.method === 'HEAD' ? c.body(null, 200, headers) : c.body(new Uint8Array(blob), 200, headers);
  });

  app.get('/cgit/aur.git/log/', async (c) => {
    const resolved = resolveName(deps, c.req.query('h') ?? '');
    if (!resolved.ok) return plain(c, resolved.status, resolved.message);
    const { pkgbase, repo, head } = resolved.target;
    return c.html(logPage(pkgbase, await commitsBetween(repo, null, head, 200)));
  });

  app.route('/', treeRoutes(deps));

  return app;
}
