import type { ServedPackage } from '../../store/served-catalog.js';

/** aurweb's feeds: /rss/ (newest packages) and /rss/modified (recently modified). */
export type FeedKind = 'new' | 'modified';

export const MAX_FEED_ITEMS = 100;

/**
 * Everything outside XML 1.0's Char production (#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
 * [#x10000-#x10FFFF]): control characters, lone surrogates, U+FFFE and U+FFFF. No escape can carry
 * them (even &#1; is not well-formed), so a description holding one loses it rather than breaking the feed.
 */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text safe in XML content and attributes; `]]>` needs nothing more once `>` is escaped. */
export function xmlText(value: string): string {
  return value.replace(NOT_XML_CHAR, '').replace(/[&<>"']/g, (char) => ENTITIES[char] ?? '');
}

const TITLES: Record<FeedKind, string> = {
  new: 'aurgate: newest approved packages',
  modified: 'aurgate: recently approved package updates',
};

/** Newest approval first; equal times by name, so the feed is the same bytes for the same catalog. */
function newest(packages: readonly ServedPackage[]): ServedPackage[] {
  return [...packages].sort((a, b) => b.approvedAt - a.approvedAt || (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0)).slice(0, MAX_FEED_ITEMS);
}

const rfc822 = (epochSeconds: number): string => new Date(epochSeconds * 1000).toUTCString();

function item(base: string, pkg: ServedPackage): string {
  return [
    '<item>',
    `<title>${xmlText(pkg.Name)}</title>`,
    `<link>${xmlText(`${base}/packages/${pkg.Name}`)}</link>`,
    `<description>${xmlText(pkg.Description ?? '')}</description>`,
    `<pubDate>${rfc822(pkg.approvedAt)}</pubDate>`,
    // One guid per approved revision of a package: a new approval is a new item for feed readers.
    `<guid isPermaLink="false">${xmlText(`${pkg.Name}@${pkg.commit}`)}</guid>`,
    '</item>',
  ].join('');
}

/**
 * An RSS 2.0 feed of the most recently approved served packages. On this server a package is new,
 * or modified, when a revision of it is approved, so both feeds order by the approval time.
 */
export function rssFeed(publicUrl: string, packages: readonly ServedPackage[], kind: FeedKind): string {
  const base = publicUrl.replace(/\/+$/, '');
  const items = newest(packages);
  const self = kind === 'new' ? `${base}/rss/` : `${base}/rss/modified`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>',
    `<title>${TITLES[kind]}</title>`,
    `<link>${xmlText(`${base}/`)}</link>`,
    '<description>Packages of this reviewed AUR mirror, newest approval first</description>',
    `<atom:link href="${xmlText(self)}" rel="self" type="application/rss+xml"/>`,
    ...(items[0] ? [`<lastBuildDate>${rfc822(items[0].approvedAt)}</lastBuildDate>`] : []),
    ...items.map((pkg) => item(base, pkg)),
    '</channel></rss>',
    '',
  ].join('\n');
}
