import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Hono } from 'hono';
import type { AdminEnv } from '../auth/http.js';
import { ADMIN_CSS } from '../views/style.js';

/** diff2html's own stylesheet, read once from the installed package (no CDN, no inline style). */
function diff2htmlCss(): string {
  const require = createRequire(import.meta.url);
  return readFileSync(require.resolve('diff2html/bundles/css/diff2html.min.css'), 'utf8');
}

/** Stylesheets: public (the sign-in page needs them) and cacheable for an hour. */
export function assetRoutes(): Hono<AdminEnv> {
  const router = new Hono<AdminEnv>();
  const sheets: Record<string, string> = { 'admin.css': ADMIN_CSS, 'diff2html.css': diff2htmlCss() };
  router.get('/admin/assets/:name', (c) => {
    const css = sheets[c.req.param('name')];
    if (css === undefined) return c.text('not found\n', 404);
    return c.body(css, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'public, max-age=3600' });
  });
  return router;
}
