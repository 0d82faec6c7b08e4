import { createHash } from 'node:crypto';
import type { Child } from 'hono/jsx';

const STYLE = `body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#222}
code,pre{background:#f4f4f4;padding:.1rem .3rem;border-radius:3px}pre{padding:.6rem;overflow-x:auto}
table{border-collapse:collapse}td,th{padding:.2rem .6rem;border-bottom:1px solid #ddd;text-align:left}`;

/**
 * The public pages' Content-Security-Policy: nothing loads or runs but this one inline stylesheet,
 * allowed by its hash (no 'unsafe-inline'); no forms, no <base>, no framing. Package text on these
 * pages comes from the AUR, so even if escaping ever failed, injected markup could do nothing.
 */
export const PUBLIC_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The public pages' frame. hono/jsx escapes every interpolated value, so package text stays text. */
export function PublicLayout(props: { title: string; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
        <style>{STYLE}</style>
      </head>
      <body>{props.children}</body>
    </html>
  );
}
