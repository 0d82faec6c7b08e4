import { Hono } from 'hono';
import type { Context } from 'hono';
import { isValidPackageName } from '../../srcinfo/names.js';
import { unavailableMessage, type Catalog, type ServedLookup, type ServedPackage } from '../../store/served-catalog.js';
import { frontPage } from './front-page.js';
import { packagePage, pkgbasePage } from './package-page.js';
import { rssFeed, type FeedKind } from './rss.js';

export interface PageDeps {
  catalog: Catalog;
  lookup: ServedLookup;
  publicUrl: string;
}

const notFound = (c: Context, message: string): Response => c.text(`${message}\n`, 404);

/** The served packages a name stands for (a pkgname, or a pkgbase for all of its packages), or why none. */
function servedPackages(deps: PageDeps, name: string): { pkgbase: string; packages: [ServedPackage, ...ServedPackage[]] } | string {
  if (!isValidPackageName(name)) return 'aurgate: not a package name';
  const availability = deps.lookup.availability(name);
  if (availability.kind !== 'served') return unavailableMessage(name, availability);
  const [first, ...rest] = deps.catalog.packages().filter((pkg) => pkg.PackageBase === availability.pkgbase);
  if (!first) return `aurgate: ${availability.pkgbase} is served over git only (its .SRCINFO could not be read)`;
  return { pkgbase: availability.pkgbase, packages: [first, ...rest] };
}

/** Each feed built once per catalog generation: it sorts every served package, and readers poll it. */
function feedCache(deps: PageDeps): (kind: FeedKind) => string {
  const built = new Map<FeedKind, { generation: number; xml: string }>();
  return (kind) => {
    const generation = deps.catalog.generation();
    const cached = built.get(kind);
    if (cached?.generation === generation) return cached.xml;
    const xml = rssFeed(deps.publicUrl, deps.catalog.packages(), kind);
    built.set(kind, { generation, xml });
    return xml;
  };
}

export function pageRoutes(deps: PageDeps): Hono {
  const app = new Hono();
  app.get('/', (c) => {
    const packages = deps.catalog.packages();
    return c.html(frontPage(deps.publicUrl, packages.length, new Set(packages.map((pkg) => pkg.PackageBase)).size));
  });

  // A pkgname's own page; a pkgbase name that is no pkgname (a split base) shows its first package.
  const packageAnswer = (c: Context) => {
    const name = c.req.param('name') ?? '';
    const served = servedPackages(deps, name);
    if (typeof served === 'string') return notFound(c, served);
    return c.html(packagePage(deps.publicUrl, served.packages.find((pkg) => pkg.Name === name) ?? served.packages[0]));
  };
  app.get('/packages/:name', packageAnswer);
  app.get('/packages/:name/', packageAnswer);

  // Rendered here rather than redirected: one answer for any client, and a split base lists all its packages.
  const pkgbaseAnswer = (c: Context) => {
    const name = c.req.param('name') ?? '';
    const served = servedPackages(deps, name);
    if (typeof served === 'string') return notFound(c, served);
    // As in aurweb, /pkgbase/ takes pkgbase names; a pkgname is pointed at its base's page.
    if (served.pkgbase !== name) return notFound(c, `aurgate: ${name} is a package of the base ${served.pkgbase}: see /pkgbase/${served.pkgbase}`);
    return c.html(pkgbasePage(deps.publicUrl, served.packages));
  };
  app.get('/pkgbase/:name', pkgbaseAnswer);
  app.get('/pkgbase/:name/', pkgbaseAnswer);

  const feed = feedCache(deps);
  for (const [path, kind] of [
    ['/rss', 'new'],
    ['/rss/', 'new'],
    ['/rss/modified', 'modified'],
  ] as const)
    app.get(path, (c) => c.body(feed(kind), 200, { 'Content-Type': 'application/rss+xml; charset=utf-8' }));
  return app;
}
