/**
 * The fixed set of route labels metrics and logs use. Metrics never carry raw paths: every distinct
 * label value is a new time series, and paths contain package names and commit ids without bound.
 */
export const ROUTE_LABELS = ['rpc', 'git', 'snapshot', 'cgit', 'lists', 'pages', 'api', 'admin', 'health', 'other'] as const;
export type RouteLabel = (typeof ROUTE_LABELS)[number];

const GIT_PATH = /^\/[^/]+\/(?:info\/refs|git-upload-pack|git-receive-pack|HEAD|objects\/.*)$/;
const LIST_FILE = /^\/[a-z0-9-]+(?:\.json)?\.gz(?:\.sha256)?$/;
const HEALTH = new Set(['/healthz', '/readyz', '/metrics']);

export function routeLabel(path: string): RouteLabel {
  if (path === '/rpc' || path.startsWith('/rpc/') || path === '/rpc.php' || path.startsWith('/rpc.php/')) return 'rpc';
  if (path.startsWith('/snapshot/') || path.startsWith('/cgit/aur.git/snapshot/')) return 'snapshot';
  if (path.startsWith('/cgit/')) return 'cgit';
  if (path === '/admin' || path.startsWith('/admin/')) return 'admin';
  if (path.startsWith('/api/')) return 'api';
  if (HEALTH.has(path)) return 'health';
  if (LIST_FILE.test(path)) return 'lists';
  if (GIT_PATH.test(path)) return 'git';
  if (path === '/' || path.startsWith('/packages/') || path.startsWith('/pkgbase/') || path === '/rss' || path.startsWith('/rss/')) return 'pages';
  return 'other';
}
