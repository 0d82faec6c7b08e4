/**
 * Revision classification: what kind of change a pending revision is, and the condensed semantic
 * change a reviewer reads before the full diff. Pure: it looks only at the two revisions' files and,
 * when given, their upstream metadata.
 *
 * Both the PKGBUILD (what makepkg runs: functions, top-level code, arrays as written) and .SRCINFO
 * (what the AUR and helpers show: resolved arrays per architecture and per split package) are
 * compared, and every difference of either counts, so a change made in one and not the other is
 * never routine. The class is the most demanding one any change implies (CLASS_PRECEDENCE).
 */

import { diffAssignments } from './classify-arrays.js';
import { diffLayout, normalize, sides } from './classify-pkgbuild.js';
import { diffSrcinfo } from './classify-srcinfo.js';
import { CLASS_PRECEDENCE, ChangeSink, type Classification, type RevisionClass, type SemanticChange } from './classify-types.js';
import { srcinfoMismatches } from './risk/check-srcinfo.js';
import { addedLines, removedLines } from './risk/lines.js';
import { formatVersion, pkgbuildOf, sourceArrays, versionOf } from './risk/pkgbuild.js';
import { scriptletPaths } from './risk/scriptlet.js';
import { PKGBUILD, SRCINFO, type RevisionFiles, type UpstreamMeta } from './risk/types.js';
import { parseSourceEntry } from './risk/url.js';

export * from './classify-types.js';

export interface ClassifyInput {
  /** The last approved revision, null for a package's first revision. */
  previous: RevisionFiles | null;
  candidate: RevisionFiles;
  previousMeta?: UpstreamMeta | null;
  candidateMeta?: UpstreamMeta | null;
}

/** Repository files that describe the package for people and tools, never read by makepkg. */
const METADATA_FILE = /^(?:README(?:\.\w+)?|LICENSE(?:\.\w+)?|COPYING|\.gitignore|\.nvchecker\.toml|\.editorconfig|\.github\/.*|[^/]*\.md)$/i;

function localSources(rev: RevisionFiles): Set<string> {
  const info = pkgbuildOf(rev);
  const out = new Set<string>();
  if (!info) return out;
  for (const arr of sourceArrays(info).values()) {
    for (const item of arr.items) {
      const loc = parseSourceEntry(item.resolved ?? item.raw);
      if (loc.scheme === null) out.add(loc.name ?? loc.location);
    }
  }
  return out;
}

function diffFiles(prev: RevisionFiles, cand: RevisionFiles, sink: ChangeSink): void {
  const scriptlets = new Set([...scriptletPaths(prev), ...scriptletPaths(cand)]);
  const sources = new Set([...localSources(prev), ...localSources(cand)]);
  const paths = [...new Set([...prev.files.keys(), ...cand.files.keys()])].filter((p) => p !== PKGBUILD && p !== SRCINFO).sort();
  for (const path of paths) {
    const a = prev.files.get(path);
    const b = cand.files.get(path);
    if (a && b && a.text === b.text && a.size === b.size) continue;
    let what: string;
    if (!a) what = 'added';
    else if (!b) what = 'removed';
    else if (a.text !== null && b.text !== null)
      what = `changed (+${addedLines(a.text, b.text).length} −${removedLines(a.text, b.text).length} lines)`;
    else what = `changed (binary, ${a.size} → ${b.size} bytes)`;
    const at = b ? { file: path } : {};
    const first = a?.text != null && b?.text != null ? addedLines(a.text, b.text)[0]?.line : undefined;
    const where = first === undefined ? at : { ...at, line: first };
    if (scriptlets.has(path)) sink.add('install-time-code-changed', 'install', `install scriptlet ${path} ${what}`, where);
    else if (/\.hook$/.test(path)) sink.add('install-time-code-changed', 'install', `pacman hook ${path} ${what}`, where);
    else if (sources.has(path)) sink.add('sources-changed', 'file', `local source ${path} ${what}`, where);
    else if (METADATA_FILE.test(path)) sink.add('metadata-only', 'file', `${path} ${what}`, where);
    else sink.add('build-logic-changed', 'file', `${path} ${what} (not a listed source, but the build can read it)`, where);
  }
}

function diffMeta(prev: UpstreamMeta | null | undefined, cand: UpstreamMeta | null | undefined, sink: ChangeSink): void {
  if (!prev || !cand) return;
  const same = (x: string | null, y: string | null) => (x ?? '').toLowerCase() === (y ?? '').toLowerCase();
  if (!same(prev.Maintainer, cand.Maintainer))
    sink.add('metadata-only', 'maintainer', `maintainer ${prev.Maintainer ?? '(orphan)'} → ${cand.Maintainer ?? '(orphan)'}`);
  if (!same(prev.Submitter, cand.Submitter))
    sink.add('metadata-only', 'maintainer', `submitter ${prev.Submitter ?? '(none)'} → ${cand.Submitter ?? '(none)'}`);
  const added = cand.CoMaintainers.filter((c) => !prev.CoMaintainers.some((p) => same(p, c)));
  const removed = prev.CoMaintainers.filter((p) => !cand.CoMaintainers.some((c) => same(p, c)));
  if (added.length > 0) sink.add('metadata-only', 'maintainer', `co-maintainers += ${added.join(', ')}`);
  if (removed.length > 0) sink.add('metadata-only', 'maintainer', `co-maintainers -= ${removed.join(', ')}`);
}

function diffPkgbuildAndSrcinfo(prev: RevisionFiles, cand: RevisionFiles, sink: ChangeSink): void {
  const a = pkgbuildOf(prev);
  const b = pkgbuildOf(cand);
  let tokens: { prev: string[]; cand: string[] } = { prev: [], cand: [] };
  if (a && b) {
    const s = sides(a, b);
    tokens = { prev: s.prev.tokens, cand: s.cand.tokens };
    diffAssignments(s.prev, s.cand, s.helpers, sink);
    diffLayout(s.prev, s.cand, sink);
  } else if (a || b) sink.add('build-logic-changed', 'file', `PKGBUILD ${a ? 'removed' : 'added'}`, b ? { file: PKGBUILD } : {});
  diffSrcinfo(prev, cand, (s: string, side: 'prev' | 'cand') => normalize(s, tokens[side]), sink);
  const known = new Set(srcinfoMismatches(prev).map((m) => m.key));
  for (const m of srcinfoMismatches(cand)) {
    if (known.has(m.key)) continue;
    sink.add('build-logic-changed', 'srcinfo', `PKGBUILD and .SRCINFO disagree: ${m.reason}`, { file: m.file, ...(m.line ? { line: m.line } : {}) });
  }
}

function firstRevision(cand: RevisionFiles, sink: ChangeSink): void {
  const info = pkgbuildOf(cand);
  if (!info) {
    sink.add('build-logic-changed', 'file', 'no PKGBUILD');
    return;
  }
  sink.add('metadata-only', 'version', `new package at ${formatVersion(versionOf(info))}`, { file: PKGBUILD });
  const downloads = [...sourceArrays(info).values()].flatMap((arr) => arr.items).filter((i) => parseSourceEntry(i.resolved ?? i.raw).scheme !== null);
  for (const item of downloads)
    sink.add('sources-changed', 'source', `${item.array}: ${item.resolved ?? item.raw}`, { file: PKGBUILD, line: item.line });
  const fns = info.parsed.functions.map((f) => `${f.name}()`);
  if (fns.length > 0) sink.add('build-logic-changed', 'function', `functions: ${fns.join(', ')}`, { file: PKGBUILD });
  for (const path of scriptletPaths(cand)) sink.add('install-time-code-changed', 'install', `install scriptlet ${path}`, { file: path });
}

/** Folds the routine per-position source and checksum lines into one line each. */
function condense(changes: SemanticChange[]): SemanticChange[] {
  const out: SemanticChange[] = [];
  const fold = (kind: string, suffix: string) => {
    const group = changes.filter((c) => c.class === 'routine' && c.kind === kind);
    if (group.length <= 1) return out.push(...group);
    const labels = group.map((c) => c.text.slice(0, c.text.indexOf(' ')));
    return out.push({ ...group[0]!, text: `${labels.join(', ')} ${suffix}` });
  };
  out.push(...changes.filter((c) => !(c.class === 'routine' && (c.kind === 'source' || c.kind === 'checksum'))));
  fold('source', 'URLs unchanged modulo version');
  fold('checksum', 'changed');
  return out;
}

/** Classifies a pending revision against the last approved one (see the file comment). */
export function classifyRevision(input: ClassifyInput): Classification {
  const sink = new ChangeSink();
  if (input.previous === null) {
    firstRevision(input.candidate, sink);
    return { class: 'first-revision', classes: ['first-revision'], changes: sink.changes };
  }
  diffPkgbuildAndSrcinfo(input.previous, input.candidate, sink);
  diffFiles(input.previous, input.candidate, sink);
  diffMeta(input.previousMeta, input.candidateMeta, sink);
  if (sink.changes.length === 0) sink.add('routine', 'none', 'no file changed');
  const rank = (c: RevisionClass) => CLASS_PRECEDENCE.indexOf(c as (typeof CLASS_PRECEDENCE)[number]);
  const changes = condense(sink.changes).sort((x, y) => rank(x.class) - rank(y.class));
  const classes = CLASS_PRECEDENCE.filter((c) => changes.some((ch) => ch.class === c));
  return { class: classes[0]!, classes, changes };
}
