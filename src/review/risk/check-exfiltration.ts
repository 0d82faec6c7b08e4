/**
 * exfiltration: data sent out of the build or the install, and secrets read on the way. Uploads
 * (`curl -T`, `curl -F x=@file`, `curl --data @file` or `--data "$(...)"`, `wget --post-file`),
 * raw connections fed from a file or a pipe (`nc host 443 < f`, `tar c ~ | nc ...`), copies to a
 * remote host (`scp`, `rsync host:`), reading credentials (~/.ssh, ~/.aws, ~/.gnupg, /etc/shadow,
 * browser profiles, keyrings, tokens of git, npm, docker, kubectl, the GitHub CLI, wallets), and
 * environment dumps that go anywhere but the terminal. A PKGBUILD or scriptlet has no business with
 * any of these, so each is high; an environment dump that is only saved is medium.
 */

import { snippet } from './lines.js';
import { addedCommandSites, commandText, pipelineOf, type CommandSite } from './commands.js';
import { printsOnly } from './code-view.js';
import { fileWrites } from './shell.js';
import type { RiskFlag, RiskInput, Severity } from './types.js';

/** Credential and profile locations; matched inside any word of a command. */
const CREDENTIALS =
  /(?:~|\$\{?HOME\}?|\/home\/[^/\s]*|\/root)\/(?:\.ssh\/(?!authorized_keys)|\.aws\b|\.gnupg\b|\.mozilla\/firefox|\.config\/(?:google-chrome|chromium|BraveSoftware|vivaldi|discord|Signal|gh\b|hub\b)|\.local\/share\/keyrings|\.password-store|\.kube\/config|\.docker\/config\.json|\.netrc|\.git-credentials|\.npmrc|\.pypirc|\.cargo\/credentials|\.bash_history|\.zsh_history|\.electrum|\.bitcoin|\.ethereum|\.thunderbird|\.config\/Exodus)|\/etc\/g?shadow\b|\/proc\/(?:self|\d+|\$\$)\/environ\b/;

const NETWORK_SENDERS = new Set(['curl', 'wget', 'nc', 'ncat', 'netcat', 'socat', 'telnet', 'ssh', 'scp', 'rsync', 'sftp', 'ftp']);

function flag(site: CommandSite, severity: Severity, what: string): RiskFlag {
  return {
    check: 'exfiltration',
    severity,
    reason: `${site.file} line ${site.cmd.line} ${what}: \`${snippet(commandText(site))}\`.`,
    file: site.file,
    line: site.cmd.line,
  };
}

function argAfter(values: string[], i: number, option: string): string {
  const v = values[i]!;
  return v.startsWith(`${option}=`) ? v.slice(option.length + 1) : v === option ? (values[i + 1] ?? '') : v.slice(option.length);
}

/** An upload by curl or wget, described, or null. */
function upload(site: CommandSite): string | null {
  const raw = site.words.map((w) => w.raw);
  const values = site.words.map((w) => w.value);
  if (site.name === 'curl') {
    for (let i = 1; i < values.length; i++) {
      const v = values[i]!;
      if (/^(?:-T|--upload-file)/.test(v)) return 'uploads a file';
      const form = /^(?:-F|--form(?:-string)?)(?:=|$)?/.exec(v);
      if (form && /[@<]/.test(argAfter(values, i, form[0].replace(/=$/, '')))) return 'uploads a file in a form';
      const data = /^(?:-d|--data(?:-binary|-raw|-urlencode|-ascii)?|--json)(?:=|$)?/.exec(v);
      if (data) {
        const arg = argAfter(raw, i, data[0].replace(/=$/, ''));
        if (/^["']?@|=@/.test(arg)) return 'posts the contents of a file';
        if (/\$\(|`/.test(arg)) return 'posts the output of a command';
        if (CREDENTIALS.test(arg)) return 'posts credentials';
      }
    }
  }
  if (site.name === 'wget' && values.some((v) => /^--(?:post-file|body-file)/.test(v))) return 'uploads a file';
  if (site.name === 'wget' && raw.some((v) => /^--(?:post-data|body-data)/.test(v) && /\$\(|`/.test(v))) return 'posts the output of a command';
  return null;
}

function rawConnection(site: CommandSite, all: readonly CommandSite[]): string | null {
  if (site.name === null || !/^(?:nc|ncat|netcat|socat|telnet)$/.test(site.name)) return null;
  if (site.words.slice(1).some((w) => /^-\w*l/.test(w.value))) return null; // listening is the other check's
  if (site.cmd.redirects.some((r) => r.op === '<' && r.target)) return `sends a file over a raw ${site.name} connection`;
  if (site.cmd.pipeIndex > 0) {
    const from = pipelineOf(site, all).find((s) => s.cmd.pipeIndex === site.cmd.pipeIndex - 1);
    return `sends the output of \`${from?.name ?? 'a command'}\` over a raw ${site.name} connection`;
  }
  return null;
}

function remoteCopy(site: CommandSite): string | null {
  if (site.name === null || !/^(?:scp|rsync|sftp)$/.test(site.name)) return null;
  const remote = site.words.slice(1).find((w) => /^(?:[\w.-]+@)?[\w.-]+:(?!\/\/)/.test(w.value) || /^(?:rsync|sftp|scp):\/\//.test(w.value));
  return remote ? `copies files to or from the remote host ${snippet(remote.value, 60)}` : null;
}

function credentialRead(site: CommandSite): string | null {
  const writes = new Set(fileWrites(site.cmd).map((w) => w.start));
  for (const w of [...site.words, ...site.cmd.redirects.map((r) => r.target).filter((t) => t !== null)]) {
    if (writes.has(w.start)) continue;
    const m = CREDENTIALS.exec(w.value) ?? CREDENTIALS.exec(w.raw);
    if (m && !/\$\{?(?:pkgdir|srcdir)\b/.test(w.raw)) return `reads credentials or private data (${m[0]})`;
  }
  return null;
}

function environmentDump(site: CommandSite, all: readonly CommandSite[]): { severity: Severity; what: string } | null {
  const args = site.words.slice(1).map((w) => w.value);
  const dump =
    ((site.name === 'env' || site.name === 'printenv') && args.every((a) => /^-0$|^--null$/.test(a))) ||
    (site.name === 'set' && args.length === 0) ||
    ((site.name === 'export' || site.name === 'declare' || site.name === 'typeset') && args.length === 1 && /^-[px]+$/.test(args[0]!)) ||
    site.name === 'compgen';
  if (!dump) return null;
  const pipeline = pipelineOf(site, all);
  if (pipeline.some((s) => s.cmd.pipeIndex > site.cmd.pipeIndex && s.name !== null && NETWORK_SENDERS.has(s.name))) {
    return { severity: 'high', what: 'sends the environment (tokens, keys) over the network' };
  }
  if (site.cmd.pipeTo || fileWrites(site.cmd).length > 0)
    return { severity: 'medium', what: 'saves or passes on a dump of the environment (tokens, keys)' };
  return null;
}

export function checkExfiltration(input: RiskInput): RiskFlag[] {
  const sites = addedCommandSites(input);
  const byProgram = new Map<unknown, CommandSite[]>();
  for (const s of sites) {
    const group = byProgram.get(s.program);
    if (group) group.push(s);
    else byProgram.set(s.program, [s]);
  }
  const flags: RiskFlag[] = [];
  // Per line, the most telling finding: sending beats reading, reading beats an environment dump.
  const best = new Map<string, { rank: number; flag: RiskFlag }>();
  for (const site of sites) {
    if (printsOnly(site.cmd, site.printers)) continue;
    const all = byProgram.get(site.program)!;
    const sent = upload(site) ?? rawConnection(site, all) ?? remoteCopy(site);
    const read = sent ? null : credentialRead(site);
    const dump = sent || read ? null : environmentDump(site, all);
    const found = sent
      ? { rank: 3, severity: 'high' as const, what: sent }
      : read
        ? { rank: 2, severity: 'high' as const, what: read }
        : dump
          ? { rank: dump.severity === 'high' ? 3 : 1, ...dump }
          : null;
    if (!found) continue;
    const key = `${site.file}:${site.cmd.line}`;
    const prior = best.get(key);
    if (prior && prior.rank >= found.rank) continue;
    best.set(key, { rank: found.rank, flag: flag(site, found.severity, found.what) });
  }
  for (const { flag: f } of best.values()) flags.push(f);
  return flags;
}
