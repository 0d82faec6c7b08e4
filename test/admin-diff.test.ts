import { describe, expect, it } from 'vitest';
import { dependencyTarget as dependencyName } from '../src/srcinfo/rpc-fields.js';
import { compareMeta } from '../src/review/meta-changes.js';
import { isBinary } from '../src/app/revision-files.js';
import { safeNext } from '../src/admin/routes/request.js';
import { flagHref } from '../src/admin/views/components.js';
import { DiffView } from '../src/admin/views/diff.js';
import * as Diff2Html from 'diff2html';
import type { UpstreamMeta } from '../src/upstream/rpc-schema.js';

const SCRIPT = '<script>window.__pwned=1</script>';
const IMG = '<img src=x onerror="window.__pwned=1">';

/** A git-style diff adding a file whose name and lines carry HTML payloads. */
const HOSTILE_DIFF = [
  `diff --git a/${IMG}.patch b/${IMG}.patch`,
  'new file mode 100644',
  'index 0000000..1111111',
  '--- /dev/null',
  `+++ b/${IMG}.patch`,
  '@@ -0,0 +1,3 @@',
  `+${SCRIPT}`,
  `+${IMG}`,
  '+"></textarea><svg onload=alert(1)>',
  'diff --git a/PKGBUILD b/PKGBUILD',
  'index 1111111..2222222 100644',
  '--- a/PKGBUILD',
  '+++ b/PKGBUILD',
  '@@ -1,2 +1,2 @@',
  ` pkgdesc='${SCRIPT}'`,
  `-url='https://example.org'`,
  `+url='https://example.org/${IMG}'`,
  '',
].join('\n');

describe('diff2html output (the one raw HTML on the admin pages)', () => {
  for (const outputFormat of ['side-by-side', 'line-by-line'] as const) {
    it(`escapes file names and diff lines (${outputFormat})`, () => {
      const files = Diff2Html.parse(HOSTILE_DIFF).map((diff) => ({ path: diff.newName, oldPath: null, diff }));
      const html = String(DiffView({ files, format: outputFormat }));
      expect(html).not.toContain('<script');
      expect(html).not.toContain('<img');
      expect(html).not.toContain('<svg onload');
      expect(html).not.toContain('</textarea>');
      expect(html).not.toMatch(/<[^>]*\sonerror=/i);
      expect(html).not.toMatch(/<[^>]*\sonload=/i);
      expect(html).toContain('&lt;script&gt;window.__pwned=1&lt;&#x2F;script&gt;');
      expect(html).toContain('&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;.patch');
      expect(html).toContain('&lt;svg onload=alert(1)&gt;');
      expect(html).toContain('d2h-file-wrapper');
    });
  }
});

describe('risk flag links', () => {
  it('point at the line in the per-file view, with the path encoded', () => {
    expect(flagHref('foo', { check: 'x', severity: 'high', reason: 'r', file: 'PKGBUILD', line: 12 })).toBe(
      '/admin/review/foo/file?path=PKGBUILD#L12',
    );
    expect(flagHref('foo', { check: 'x', severity: 'high', reason: 'r', file: 'a b&c"<.sh' })).toBe('/admin/review/foo/file?path=a%20b%26c%22%3C.sh');
    expect(flagHref('foo', { check: 'x', severity: 'high', reason: 'r' })).toBeNull();
  });
});

describe('upstream metadata comparison', () => {
  const meta = (over: Partial<UpstreamMeta>): UpstreamMeta => ({
    PackageBaseID: 1,
    IDs: {},
    Version: '1-1',
    Maintainer: 'jane',
    Submitter: 'jane',
    CoMaintainers: [],
    Keywords: [],
    NumVotes: 10,
    Popularity: 1,
    OutOfDate: null,
    FirstSubmitted: 1_600_000_000,
    LastModified: 1_700_000_000,
    ...over,
  });

  it('marks changed rows, ownership changes as important', () => {
    const { rows } = compareMeta(meta({}), [], meta({ Maintainer: 'mallory', NumVotes: 12, OutOfDate: 1_700_000_000 }));
    const changed = Object.fromEntries(rows.filter((row) => row.changed).map((row) => [row.label, [row.before, row.after, row.important]]));
    expect(changed).toEqual({ Maintainer: ['jane', 'mallory', true], 'Out of date since': ['—', '2023-11-14', false], Votes: ['10', '12', false] });
  });

  it('notices an orphan adopted again between two reviewed revisions', () => {
    const { notes } = compareMeta(meta({}), [meta({ Maintainer: null })], meta({ Maintainer: 'mallory' }));
    expect(notes.join(' ')).toContain('orphaned after the last approved revision and adopted again by mallory');
    expect(compareMeta(null, [], meta({})).notes.join(' ')).toContain('first review');
  });
});

describe('helpers', () => {
  it('strip version constraints from dependencies and drop non-package names', () => {
    expect(dependencyName('foo>=1.2')).toBe('foo');
    expect(dependencyName('bar=1:2.0-1')).toBe('bar');
    expect(dependencyName('libfoo.so=1-64')).toBe('libfoo.so');
    expect(dependencyName('Bad Name')).toBeNull();
  });

  it('keep the redirect after sign-in inside the admin', () => {
    expect(safeNext('/admin/review/foo?view=line-by-line')).toBe('/admin/review/foo?view=line-by-line');
    for (const hostile of ['//evil.example', 'https://evil.example/admin', '/admin\\@evil.example', '/administrator', '/admin/../rpc', undefined]) {
      expect(safeNext(hostile), String(hostile)).toBe('/admin');
    }
  });

  it('call a file binary when it has a NUL byte in its first 8000 bytes', () => {
    expect(isBinary(Buffer.from('plain text\n'))).toBe(false);
    expect(isBinary(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00]))).toBe(true);
    expect(isBinary(Buffer.concat([Buffer.alloc(8000, 0x61), Buffer.from([0])]))).toBe(false);
  });
});
