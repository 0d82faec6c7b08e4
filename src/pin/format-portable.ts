import path from 'node:path';
import { InvalidInput } from '../errors.js';
import { isFullCommitId, isValidPackageName } from '../srcinfo/names.js';
import { buildPath, byPkgbase, shellWord } from './build-layout.js';
import type { LockEntry, LockFile } from './lock-file.js';

/** The build argument that names the server; its default is the lock's own server. */
export const SERVER_ARG = 'AURGATE_URL';
/** The pkgbases in lock order (dependencies first), one a line, written once every archive is verified. */
export const BUILD_ORDER_FILE = '/aur/build-order';

/**
 * The snapshot fetch as a POSIX shell function, one line per Dockerfile continuation line. It needs only
 * curl and sha256sum (coreutils or busybox) in the image. curl writes the body even on an error status,
 * so a 410 shows aurgate's revocation reason; the body is cut short and stripped of control bytes before it
 * reaches the build log. The server comes from the ARG through the environment, never through the
 * Dockerfile text, so no URL is ever parsed as shell.
 */
const FETCH_FUNCTION = [
  `command -v curl >/dev/null || { echo 'aurgate: the pinned fetch needs curl in the build image' >&2; exit 1; }`,
  // Without a scheme curl would guess plain http: a bare host name given as the ARG is refused instead.
  `case "$${SERVER_ARG}" in http://?*|https://?*) ;; *) echo "aurgate: ${SERVER_ARG} must be an http:// or https:// URL, not '$${SERVER_ARG}'" >&2; exit 1;; esac`,
  `aurgate_fetch() {`,
  `  url="\${${SERVER_ARG}%/}/snapshot/$1/$2.tar.gz"; file="${buildPath('$1')}.tar.gz"`,
  `  status=$(curl --silent --show-error --location --proto =http,https --retry 3 --connect-timeout 30 --max-time 900 --output "$file" --write-out '%{http_code}' "$url") || { echo "aurgate: $1: cannot fetch $url: server unreachable or connection failed (curl exit $?)" >&2; exit 1; }`,
  `  [ "$status" = 200 ] || { echo "aurgate: $1: $url answered HTTP $status: $(head -c 300 "$file" | tr -c '[:print:]' ' ')" >&2; exit 1; }`,
  `  actual=$(sha256sum "$file" | cut -d ' ' -f 1)`,
  `  [ "$actual" = "$3" ] || { echo "aurgate: $1: sha256 mismatch: $url has $actual but the lock pins $3" >&2; exit 1; }`,
  `}`,
];

/**
 * The pinned-build form every builder runs (the legacy builder, BuildKit, Kaniko, buildah): an `ARG` for
 * the server and one `RUN` that fetches each snapshot with curl and checks its sha256 against the lock
 * before the build may use it. HTTP errors (410 for a revoked snapshot), a digest mismatch and an
 * unreachable server each stop the build with a line naming the package and the cause. The archives land
 * where `ADD --checksum` puts them, and the build order file lists them in lock order.
 */
export function renderPortableDockerfile(lock: LockFile): string {
  const entries = byPkgbase(lock).map(checkedEntry);
  const lines = [
    `# aurgate lock (portable form) from ${commentText(lock.server)} at ${commentText(lock.generatedAt)}`,
    `# Runs as root on any builder; the image needs curl and sha256sum. Another server: --build-arg ${SERVER_ARG} with its URL.`,
    `# A cached RUN step does not fetch again: run aurgate verify on the lock before each build to catch revocations.`,
    `ARG ${SERVER_ARG}=${dockerfileWord(lock.server.replace(/\/+$/, ''))}`,
    ...entries.map(
      (entry) => `# ${entry.pkgbase} ${commentText(entry.version ?? '?')} ${entry.commit} approved by ${commentText(entry.approvedBy ?? '?')}`,
    ),
  ];
  const script = [
    'set -eu',
    ...FETCH_FUNCTION,
    `mkdir -p ${path.posix.dirname(buildPath('any'))}`,
    ...entries.map((entry) => `aurgate_fetch ${shellWord(entry.pkgbase)} ${shellWord(entry.commit)} ${shellWord(entry.sha256)}`),
    `printf '%s\\n' ${entries.map((entry) => shellWord(entry.pkgbase)).join(' ')} > ${BUILD_ORDER_FILE}`,
  ];
  lines.push(`RUN ${continued(script)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Joins shell lines into one RUN instruction: `;` between commands (none after an opening brace), a
 * backslash before each newline. Blank lines and `#` lines cannot appear: the builder would end or
 * swallow the instruction there.
 */
function continued(script: string[]): string {
  return script
    .map((line, index) => {
      if (index === script.length - 1) return line;
      return line.trimEnd().endsWith('{') ? `${line} \\` : `${line}; \\`;
    })
    .map((line, index) => (index === 0 ? line : `    ${line}`))
    .join('\n');
}

/**
 * Every value that reaches the RUN text is checked here even though a parsed lock already was: the
 * renderer may be handed a lock object built elsewhere, and a name that is not a package name must
 * never become shell text.
 */
function checkedEntry(entry: LockEntry): LockEntry {
  if (!isValidPackageName(entry.pkgbase)) throw new InvalidInput(`lock entry ${JSON.stringify(entry.pkgbase)}: not a package name`);
  if (!isFullCommitId(entry.commit)) throw new InvalidInput(`lock entry ${entry.pkgbase}: commit is not a full commit id`);
  if (!/^[0-9a-f]{64}$/.test(entry.sha256)) throw new InvalidInput(`lock entry ${entry.pkgbase}: sha256 is not a hex digest`);
  return entry;
}

/**
 * A value for `ARG name=value`. The builder reads it as a shell-like word (quotes removed, `$` expanded,
 * backslash escapes), so anything beyond plain URL characters is double-quoted with `\`, `"` and `$`
 * escaped. A line break would end the instruction and start another: refused.
 */
export function dockerfileWord(value: string): string {
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new InvalidInput(`the server URL ${JSON.stringify(value)} contains a control character`);
  if (/^[A-Za-z0-9%+:,./_~@-]+$/.test(value)) return value;
  return `"${value.replace(/[\\"$]/g, (char) => `\\${char}`)}"`;
}

/** Comment text stays on its line: control characters (a newline would start an instruction) become spaces. */
function commentText(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f]/g, ' ');
}
