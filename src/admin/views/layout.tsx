import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { Principal } from '../auth/principal.js';
import { can } from '../auth/principal.js';
import { CsrfField, Notice } from './components.js';

export type Section = 'dashboard' | 'queue' | 'packages' | 'allowlist' | 'audit' | 'sync' | 'users' | 'tokens' | 'policy' | 'ioc' | 'none';

interface LayoutProps {
  title: string;
  principal: Principal | null;
  section: Section;
  notice?: string | undefined;
  /** Pages with a diff load diff2html's stylesheet. */
  diffStyles?: boolean;
  children: Child;
}

function Nav(props: { principal: Principal; section: Section }) {
  const links: Array<[Section, string, string]> = [
    ['dashboard', '/admin', 'Dashboard'],
    ['queue', '/admin/queue', 'Review queue'],
    ['packages', '/admin/packages', 'Packages'],
    ['allowlist', '/admin/allowlist', 'Allowlist'],
    ['audit', '/admin/audit', 'Audit log'],
    ['sync', '/admin/sync', 'Sync'],
    ['policy', '/admin/policy', 'Policy'],
    ['ioc', '/admin/ioc', 'IOC'],
    ...(can(props.principal, 'admin') ? ([['users', '/admin/users', 'Users']] as Array<[Section, string, string]>) : []),
    ['tokens', '/admin/tokens', 'API tokens'],
  ];
  return (
    <nav aria-label="Main">
      {links.map(([section, href, label]) => (
        <a href={href} class={section === props.section ? 'active' : undefined} aria-current={section === props.section ? 'page' : undefined}>
          {label}
        </a>
      ))}
    </nav>
  );
}

/**
 * The frame of every admin page. No inline script or style anywhere (the CSP forbids both); the pages
 * work with plain links and forms.
 */
export function AdminLayout(props: LayoutProps) {
  const { principal } = props;
  return (
    <>
      {/* A constant, not data: without a doctype browsers render in quirks mode. */}
      {raw('<!DOCTYPE html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="referrer" content="same-origin" />
          <title>{`${props.title} · aurgate admin`}</title>
          <link rel="stylesheet" href="/admin/assets/admin.css" />
          {props.diffStyles ? <link rel="stylesheet" href="/admin/assets/diff2html.css" /> : null}
        </head>
        <body>
          <header class="top">
            <a class="brand" href="/admin">
              aurgate
            </a>
            {principal ? <Nav principal={principal} section={props.section} /> : null}
            {principal ? (
              <form method="post" action="/admin/logout" class="who">
                <CsrfField principal={principal} />
                <span>
                  {principal.user.name} <span class="muted">({principal.user.role})</span>
                </span>{' '}
                <button type="submit" class="link">
                  Sign out
                </button>
              </form>
            ) : null}
          </header>
          <main>
            <Notice code={props.notice} />
            {props.children}
          </main>
        </body>
      </html>
    </>
  );
}

export function ErrorPage(props: { principal: Principal | null; status: number; message: string }) {
  return (
    <AdminLayout title={`Error ${props.status}`} principal={props.principal} section="none">
      <h1>{props.status === 403 ? 'Not allowed' : props.status === 404 ? 'Not found' : props.status === 409 ? 'Conflict' : 'Request refused'}</h1>
      <p class="error">{props.message}</p>
      <p>
        <a href="/admin">Back to the dashboard</a>
      </p>
    </AdminLayout>
  );
}
