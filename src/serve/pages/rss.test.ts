import { describe, expect, it } from 'vitest';
import type { ServedPackage } from '../../store/served-catalog.js';
import { servedPackage } from '../../../test/support/served-package.js';
import { MAX_FEED_ITEMS, rssFeed, xmlText } from './rss.js';

function served(name: string, approvedAt: number, Description: string | null = null): ServedPackage {
  return servedPackage(name, { approvedAt, Description });
}

describe('xmlText', () => {
  it('escapes markup, so "]]>" and "&" stay text', () => {
    expect(xmlText(`<b>&amp; ]]> "q" 'a'`)).toBe('&lt;b&gt;&amp;amp; ]]&gt; &quot;q&quot; &apos;a&apos;');
  });

  it('drops what XML 1.0 cannot hold (controls, lone surrogates, U+FFFE/U+FFFF) and keeps the rest', () => {
    expect(xmlText('a\u0000b\u0001c\u001fd\u000be\ufffef\uffffg\ud800h\udfffi')).toBe('abcdefghi');
    expect(xmlText('tab\tnl\ncr\r é 漢 😀 \u007f')).toBe('tab\tnl\ncr\r é 漢 😀 \u007f');
  });
});

describe('rssFeed', () => {
  it('lists at most 100 packages, newest approval first, each with an RFC 822 date and a guid per revision', () => {
    const packages = Array.from({ length: MAX_FEED_ITEMS + 5 }, (_, index) => served(`pkg-${String(index).padStart(3, '0')}`, 1_700_000_000 + index));
    const xml = rssFeed('https://aur.example.org/', packages, 'new');
    expect(xml.split('<item>').length - 1).toBe(MAX_FEED_ITEMS);
    expect(xml.indexOf('<title>pkg-104</title>')).toBeLessThan(xml.indexOf('<title>pkg-103</title>'));
    expect(xml).not.toContain('<title>pkg-004</title>');
    expect(xml).toContain('<link>https://aur.example.org/packages/pkg-104</link>');
    expect(xml).toContain(`<pubDate>${new Date((1_700_000_000 + 104) * 1000).toUTCString()}</pubDate>`);
    expect(xml).toContain(`<guid isPermaLink="false">pkg-104@${'c'.repeat(40)}</guid>`);
    expect(xml).toContain('<atom:link href="https://aur.example.org/rss/" rel="self"');
  });

  it('an empty catalog is an empty, valid channel', () => {
    const xml = rssFeed('https://aur.example.org', [], 'modified');
    expect(xml).toContain('<channel>');
    expect(xml).not.toContain('<item>');
    expect(xml).not.toContain('lastBuildDate');
  });
});
