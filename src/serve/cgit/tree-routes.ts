import { Hono } from 'hono';
import type { Context } from 'hono';
import { commitInfo, listTree, readBlob, type TreeEntry } from '../../git/history.js';
import { commitPage } from '../pages/commit-page.js';
import { treeFilePage, treeListingPage, type FileView } from '../pages/tree-page.js';
import { validPlainPath } from './paths.js';
import { resolveTarget, type ResolveDeps, type Target } from './resolve.js';

const TREE = '/cgit/aur.git/tree';

/**
 * A file page renders text in the browser: past this size it links to plain instead, so a page never
 * holds a large blob in memory as HTML. AUR repos hold small files (aurweb refuses blobs over 250 KiB).
 */
const MAX_SHOWN_BYTES = 512 * 1024;

function refuse(c: Context, status: 404 | 410, message: string): Response {
  return c.body(`${message}\n`, status, { 'Content-Type': 'text/plain; charset=utf-8' });
}

/** Git's own test for binary content: a NUL byte among the first 8000. */
const isBinary = (blob: Buffer): boolean => blob.subarray(0, 8000).includes(0);

async function fileView(target: Target, entry: TreeEntry): Promise<FileView | null> {
  if (entry.size > MAX_SHOWN_BYTES) return { kind: 'too-large', size: entry.size };
  const blob = await readBlob(target.repo, target.commit, entry.path);
  if (!blob) return null;
  return isBinary(blob) ? { kind: 'binary', size: blob.length } : { kind: 'text', text: blob.toString('utf8') };
}

/** The path after tree/ ('' for the top), a trailing slash allowed as cgit links directories; null when not a plain path. */
function treePath(requestPath: string): string | null {
  const rest = requestPath.startsWith(`${TREE}/`) ? requestPath.slice(TREE.length + 1).replace(/\/$/, '') : '';
  return rest === '' ? '' : validPlainPath(rest);
}

/**
 * cgit's tree and commit views of a served revision (`id=` as plain takes it): the file list at the
 * top or under a directory, one file as escaped text, the commit's facts. Only the resolved served
 * commit is read.
 */
export function treeRoutes(deps: ResolveDeps): Hono {
  const app = new Hono();
  app.get(`${TREE}/*`, async (c) => {
    const file = treePath(c.req.path);
    if (file === null) return refuse(c, 404, 'aurgate: no such file');
    const resolved = await resolveTarget(deps, c.req.query('h') ?? '', c.req.query('id'));
    if (!resolved.ok) return refuse(c, resolved.status, resolved.message);
    const { target } = resolved;
    const entries = await listTree(target.repo, target.commit);
    const entry = entries.find((candidate) => candidate.path === file && candidate.type === 'blob');
    const view = entry ? await fileView(target, entry) : null;
    if (view) return c.html(treeFilePage(target.pkgbase, target.commit, file, view));
    const under = file === '' ? entries : entries.filter((candidate) => candidate.path.startsWith(`${file}/`));
    if (under.length === 0) return refuse(c, 404, `aurgate: ${target.pkgbase} has no file ${file}`);
    return c.html(treeListingPage(target.pkgbase, target.commit, file, under));
  });

  app.get('/cgit/aur.git/commit/', async (c) => {
    const resolved = await resolveTarget(deps, c.req.query('h') ?? '', c.req.query('id'));
    if (!resolved.ok) return refuse(c, resolved.status, resolved.message);
    const { pkgbase, repo, commit } = resolved.target;
    const [info, entries] = await Promise.all([commitInfo(repo, commit), listTree(repo, commit)]);
    return c.html(commitPage(pkgbase, info, entries));
  });
  return app;
}
