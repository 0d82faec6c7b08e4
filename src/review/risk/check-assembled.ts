/**
 * assembled-command: a command whose name, or whose script, is built at run time, so the reviewed
 * text does not say what runs: `$c$u`, `${!name}`, `"${SHELL:-sh}"` as the shell at the end of a
 * pipe, `eval "$x"`, `bash -c "$cmd"`, or a name that only static decoding reveals
 * (`$(printf '\x63\x75\x72\x6c')`). Build-tool variables (`$CC`, `$MAKE`, ...) and paths
 * (`"$srcdir/tool/configure"`) are ordinary and not flagged.
 */

import { snippet } from './lines.js';
import { addedCommandSites, commandText, type CommandSite } from './commands.js';
import { evaluateWord } from './static-value.js';
import type { RiskFlag, RiskInput, Severity } from './types.js';

/** Programs whose name is worth hiding: shells, interpreters, network and decoding tools. */
export const DANGEROUS_COMMANDS = new Set([
  'curl',
  'wget',
  'aria2c',
  'nc',
  'ncat',
  'netcat',
  'socat',
  'telnet',
  'ssh',
  'scp',
  'rsync',
  'sh',
  'bash',
  'zsh',
  'dash',
  'ksh',
  'fish',
  'python',
  'python2',
  'python3',
  'perl',
  'ruby',
  'node',
  'php',
  'lua',
  'eval',
  'source',
  '.',
  'exec',
  'base64',
  'openssl',
  'xxd',
  'busybox',
  'systemctl',
  'crontab',
  'chmod',
  'dd',
]);

/** Variables makepkg or the toolchain set to a compiler or tool; running `$CC` is normal. */
const TOOL_VARIABLES =
  /^(?:CC|CXX|CPP|LD|AR|AS|NM|RANLIB|STRIP|OBJCOPY|OBJDUMP|READELF|MAKE|NINJA|CMAKE|MESON|PYTHON\d*|_?python\d*|PERL|RUBY|GO|CARGO|RUSTC|NODE|NPM|YARN|PKG_CONFIG|JAVA|JAVAC|ANT|MVN|GRADLE|QMAKE|CMAKE_COMMAND|_?electron\w*|_?node\w*|_?py\w*)$/;

const INTERPRETER = /^(?:(?:ba|z|da|k)?sh|python[0-9.]*|perl|ruby|node|php)$/;

/** Splits a command-name word into its expansions and literal runs (quotes ignored). */
function pieces(raw: string): string[] {
  const parts = raw.match(/\$\{[^}]*\}|\$\([^)]*\)|`[^`]*`|\$[A-Za-z_]\w*|\$'[^']*'|[^$"'`]+/g) ?? [];
  return parts.filter((p) => p !== '');
}

/** A `/` outside every expansion: the word names a file to run. */
function isPath(raw: string): boolean {
  return /\//.test(raw.replace(/\$\{[^}]*\}|\$\([^)]*\)|`[^`]*`/g, ''));
}

function flag(site: CommandSite, severity: Severity, what: string): RiskFlag {
  return {
    check: 'assembled-command',
    severity,
    reason: `${site.file} line ${site.cmd.line} ${what}: \`${snippet(commandText(site))}\`.`,
    file: site.file,
    line: site.cmd.line,
  };
}

/** `eval` and `sh -c` with a script built at run time. */
function builtScript(site: CommandSite): RiskFlag | null {
  const [name, ...args] = site.words;
  if (!name) return null;
  const dynamic = (w: { raw: string }) => /[$`]/.test(w.raw.replace(/^\$'/, ''));
  if (site.name === 'eval' && args.some(dynamic)) return flag(site, 'high', 'evaluates a string built at run time');
  if (site.name !== null && INTERPRETER.test(site.name)) {
    const c = args.findIndex((a) => /^-\w*[ce]$/.test(a.value));
    const script = c >= 0 ? args[c + 1] : undefined;
    if (script && dynamic(script) && evaluateWord(script.raw, site.vars) === null)
      return flag(site, 'high', `runs ${site.name} on a script built at run time`);
  }
  return null;
}

function assembledName(site: CommandSite): RiskFlag | null {
  const word = site.words[0];
  if (!word || !/[$`]/.test(word.raw) || word.raw.startsWith("$'")) return null; // $'\x..' is obfuscation's
  if (isPath(word.raw)) return null;
  const parts = pieces(word.raw);
  const single = parts.length === 1 ? /^\$\{?([A-Za-z_]\w*)\}?$/.exec(parts[0]!) : null;
  if (single && TOOL_VARIABLES.test(single[1]!)) return null;
  const shown = `\`${snippet(word.raw, 40)}\``;
  const fallback = /\$\{\w+:?[-=]([^}]*)\}/.exec(word.raw)?.[1];
  if (fallback !== undefined && INTERPRETER.test(fallback.replace(/^.*\//, ''))) {
    return flag(site, 'high', `runs a shell chosen at run time, defaulting to ${fallback} (${shown})`);
  }
  if (site.name !== null) {
    if (DANGEROUS_COMMANDS.has(site.name)) return flag(site, 'high', `runs \`${site.name}\` through a command name assembled at run time (${shown})`);
    return parts.length > 1 ? flag(site, 'low', `assembles the command name \`${site.name}\` from pieces (${shown})`) : null;
  }
  if (/\$\{!/.test(word.raw)) return flag(site, 'high', `runs a command named by indirection (${shown})`);
  if (site.cmd.pipeIndex > 0) return flag(site, 'high', `pipes into a command named at run time (${shown})`);
  if (parts.length > 1 || /\$\(|`/.test(word.raw)) return flag(site, 'high', `runs a command whose name is assembled at run time (${shown})`);
  return flag(site, 'medium', `runs a command named by the variable ${shown}, whose value is not fixed in the file`);
}

export function checkAssembledCommand(input: RiskInput): RiskFlag[] {
  const flags: RiskFlag[] = [];
  const seen = new Set<string>();
  for (const site of addedCommandSites(input)) {
    const f = builtScript(site) ?? assembledName(site);
    if (!f) continue;
    const key = `${f.file}:${f.line}`;
    if (seen.has(key)) continue; // one fact per line
    seen.add(key);
    flags.push(f);
  }
  return flags;
}
