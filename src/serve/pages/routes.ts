import { Hono } from 'hono';
import { isValidPackageName } from '../../srcinfo/names.js';
import type { Catalog, ServedLookup } from '../../store/served-catalog.js';
import { frontPage } from './front-page.js';
import { packagePage } from './package-page.js';

export function pageRoutes(deps: { catalog: Catalog; lookup: ServedLookup; publicUrl: string }): Hono {
  const app = new Hono();
  app.get('/', (c) => {
    const packages = deps.catalog.packages();
    return c.html(frontPage(deps.publicUrl, packages.length, new Set(packages.map((pkg) => pkg.PackageBase)).size));
  });
  app.get('/packages/:name', (c) => {
    const name = c.req.param('name');
    if (!isValidPackageName(name)) return c.text('no such package\n', 404);
    const availability = deps.lookup.availability(name);
    const packages = deps.catalog.packages();
    const pkg =
      packages.find((candidate) => candidate.Name === name) ??
      (availability.kind === 'served' ? packages.find((candidate) => candidate.PackageBase === availability.pkgbase) : undefined);
    if (!pkg) return c.text('no such package\n', 404);
    return c.html(packagePage(deps.publicUrl, pkg));
  });
  return app;
}
