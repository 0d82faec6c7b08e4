/**
 * package-managers and download-and-run: commands in new lines that fetch code from outside the
 * reviewed source=() array (and its checksums) through a language package manager, or run what
 * they fetched. A plain download is the network-fetch check.
 */

import { addedCommandLines, applyRules, type LineRule, type ScanLine } from './scan.js';
import type { RiskFlag, RiskInput } from './types.js';

/**
 * Language package managers that resolve and download dependencies at build time. Each needs a
 * sub-command (`npm install`, not a bare `npm`), so `makedepends=(npm bun)` does not match.
 */
export const PACKAGE_MANAGER_RULES: readonly LineRule[] = [
  { severity: 'medium', what: 'runs npm to install packages', test: /\bnpm\s+(?:-\S+\s+)*(?:install|i|add|ci|exec|x|update|link)\b/ },
  { severity: 'medium', what: 'runs npx', test: /\bnpx\s+\S/ },
  { severity: 'medium', what: 'runs bun', test: /\bbunx\s+\S|\bbun\s+(?:-\S+\s+)*(?:install|i|add|x|run|build|pm|create|upgrade)\b/ },
  {
    severity: 'medium',
    what: 'runs yarn or pnpm to install packages',
    test: /\b(?:yarn|pnpm)\s+(?:-\S+\s+)*(?:install|i|add|dlx|global|exec)\b|\b(?:yarn|pnpm)\s*$/,
  },
  {
    severity: 'medium',
    what: 'runs pip',
    test: /\bpip[0-9.]*\s+(?:-\S+\s+)*install\b|\bpip3\b|\bpython[0-9.]*\s+-m\s+pip\s+install\b|\bpipx\s+(?:install|run)\b|\buv\s+(?:pip\s+install|tool\s+install|add)\b/,
  },
  { severity: 'medium', what: 'runs cargo install', test: /\bcargo\s+(?:\+\S+\s+)?install\b/ },
  { severity: 'medium', what: 'runs go install', test: /\bgo\s+(?:install|get)\b/ },
  { severity: 'medium', what: 'runs gem install', test: /\bgem\s+install\b/ },
];

export function checkPackageManagers(input: RiskInput): RiskFlag[] {
  return applyRules('package-managers', PACKAGE_MANAGER_RULES, addedCommandLines(input));
}

const FETCH = String.raw`\b(?:curl|wget|aria2c)\b`;
const INTERPRETER = String.raw`(?:[^\s|]{0,200}/)?(?:(?:ba|z|da|k|fi|tc|c)?sh|python[0-9.]*|perl|ruby|node|php|lua|source)\b`;
const SUDO = String.raw`(?:sudo\s+(?:-\S+\s+)*)?`;
const FETCH_RE = new RegExp(FETCH);
/** A single `|` (not `||`) into an interpreter. */
const PIPE_TO_INTERPRETER = new RegExp(String.raw`(?:^|[^|])\|\s*${SUDO}${INTERPRETER}`);

/**
 * A download piped into an interpreter, possibly through other commands (`curl x | tee l | sh`).
 * Written as two linear searches: a pipe after the first download command is enough.
 */
function downloadPiped(l: ScanLine): string | null {
  const fetch = FETCH_RE.exec(l.text);
  return fetch && PIPE_TO_INTERPRETER.test(l.text.slice(fetch.index)) ? l.text : null;
}

export const DOWNLOAD_AND_RUN_RULES: readonly LineRule[] = [
  {
    severity: 'high',
    what: 'pipes a download into an interpreter',
    test: downloadPiped,
  },
  {
    severity: 'high',
    what: 'runs a download through process substitution',
    test: new RegExp(String.raw`(?:^|[\s;&|(])(?:(?:ba|z|k)?sh|source|\.)\s+(?:-\S+\s+)*<\(\s*${FETCH}`),
  },
  {
    severity: 'high',
    what: 'evaluates the output of a download',
    test: new RegExp(String.raw`(?:\beval|\b(?:ba|z|k)?sh\s+-c|\bsource|\bpython[0-9.]*\s+-c)\s+["']?(?:\$\(|\x60)\s*${FETCH}`),
  },
  {
    severity: 'high',
    what: 'runs inline code that uses the network',
    test: /\b(?:python[0-9.]*\s+-c|perl\s+-e|ruby\s+-e|node\s+-e|php\s+-r)\b.{0,1000}(?:urllib|requests|http\.client|urlopen|socket|LWP|IO::Socket|HTTP::Tiny|open-uri|Net::HTTP|https?:\/\/|fetch\()/,
  },
  { severity: 'high', what: 'opens a raw network connection through /dev/tcp', test: /\/dev\/(?:tcp|udp)\// },
  {
    severity: 'high',
    what: 'runs netcat/socat with a program attached',
    test: /\b(?:nc|ncat|netcat)(?:\s[^|;&]{0,400})?\s(?:-[a-zA-Z]*[ec]\b|--(?:sh-)?exec\b)|\bsocat\b.{0,400}\b(?:exec|system):/i,
  },
];

export function checkDownloadAndRun(input: RiskInput): RiskFlag[] {
  return applyRules('download-and-run', DOWNLOAD_AND_RUN_RULES, addedCommandLines(input));
}
