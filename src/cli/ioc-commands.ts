import type { Command } from 'commander';
import { DEFAULT_GREP_LIMIT, grepMirror, importIocList, readIocSource, scanIocs, type ScanOutcome } from '../app/ioc.js';
import { InvalidInput } from '../errors.js';
import { listIocEntries, parseListName, removeIocEntries } from '../quarantine/ioc-entries.js';
import { withAurgate } from './context.js';
import { authenticateCli } from './credentials.js';
import type { CliIo } from './io.js';
import { printJson, table } from './output.js';
import { termSafe } from './terminal.js';

const BY_DOC = 'your admin account (its password is asked for; with AURGATE_TOKEN it must be the token user)';

function parseLimit(value: string): number {
  if (!/^\d{1,5}$/.test(value)) throw new InvalidInput(`--limit is a whole number, got ${JSON.stringify(value.slice(0, 20))}`);
  return Number(value);
}

function printScan(io: CliIo, scan: ScanOutcome): void {
  io.stdout.write(`${scan.hits.length} IOC hits (${scan.hits.filter((hit) => hit.isNew).length} new), ${scan.alerts.length} on approved revisions\n`);
  for (const hit of scan.hits)
    io.stdout.write(
      `${hit.state === 'approved' ? 'ALERT ' : ''}${hit.pkgbase} ${hit.commit.slice(0, 12)} (${hit.state}) ${termSafe(hit.where)}: ${hit.entry.kind} ${termSafe(hit.entry.value)} [${hit.entry.list}]\n`,
    );
  for (const error of scan.errors) io.stdout.write(`error ${error.pkgbase}: ${termSafe(error.error)}\n`);
}

/** `aurgate grep` and `aurgate ioc …`: hunting indicators of compromise in every mirrored revision. */
export function registerIocCommands(program: Command, io: CliIo): void {
  program
    .command('grep')
    .description('search every mirrored revision (pending, approved, historical) in the quarantined mirror repos')
    .argument('<pattern>', 'a fixed string (case-insensitive), or with --regex a POSIX extended regex')
    .option('--regex', 'the pattern is an extended regular expression (at most 200 characters, no back-references)')
    .option('--limit <n>', `at most this many lines (default ${DEFAULT_GREP_LIMIT}, at most 2000)`)
    .option('--json', 'machine-readable output')
    .action(async (pattern: string, options: { regex?: boolean; limit?: string; json?: boolean }) =>
      withAurgate(io, async (app) => {
        const outcome = await grepMirror(app, {
          pattern,
          regex: options.regex ?? false,
          ...(options.limit ? { limit: parseLimit(options.limit) } : {}),
        });
        if (options.json) return printJson(io, outcome);
        for (const hit of outcome.hits)
          io.stdout.write(`${hit.pkgbase} ${hit.commit.slice(0, 12)} ${hit.state} ${termSafe(hit.path)}:${hit.line}: ${termSafe(hit.text)}\n`);
        io.stdout.write(
          `${outcome.hits.length} lines in ${outcome.revisions} revisions of ${outcome.packages} packages${outcome.truncated ? ' (limit reached: narrow the pattern or raise --limit)' : ''}\n`,
        );
        for (const error of outcome.errors) io.stderr.write(`aurgate: grep in ${error.pkgbase} failed: ${termSafe(error.error)}\n`);
      }),
    );

  const ioc = program.command('ioc').description('IOC lists: strings, domains, hashes, regexes, known-bad package and account names');

  ioc
    .command('import')
    .description('import a list from a file or an http(s) URL (admins); every recorded revision is then scanned with all lists')
    .argument('<source>', 'a file path or an http(s) URL; one "<kind> <value>" a line')
    .option('--list <name>', 'the list name (default: the file name)')
    .option('--by <name>', BY_DOC)
    .option('--json', 'machine-readable output')
    .action(async (source: string, options: { list?: string; by?: string; json?: boolean }) => {
      const list = parseListName(options.list ?? (source.split(/[/\\]/).pop() ?? 'list').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64));
      const text = await readIocSource(source);
      await withAurgate(io, async (app) => {
        const by = await authenticateCli(io, app, { named: options.by, flag: '--by', need: 'admin', what: 'importing IOC lists' });
        const result = await importIocList(app, { text, list, source, by });
        if (options.json) return printJson(io, result);
        io.stdout.write(`imported ${result.added.length} entries into ${list} (${result.known} already there)\n`);
        printScan(io, result.scan);
      });
    });

  ioc
    .command('list')
    .description('the IOC entries')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) =>
      withAurgate(io, (app) => {
        const entries = listIocEntries(app.db);
        if (options.json) return printJson(io, entries);
        const rows = entries.map((entry) => [String(entry.id), entry.list, entry.kind, termSafe(entry.value)]);
        io.stdout.write(entries.length ? `${table([['ID', 'LIST', 'KIND', 'VALUE'], ...rows])}\n` : 'no IOC list\n');
      }),
    );

  ioc
    .command('remove')
    .description('remove one entry by id, or a whole list with --list (admins)')
    .argument('[id]')
    .option('--list <name>', 'remove this whole list')
    .option('--by <name>', BY_DOC)
    .action(async (id: string | undefined, options: { list?: string; by?: string }) => {
      const target = options.list ? { list: parseListName(options.list) } : /^\d{1,12}$/.test(id ?? '') ? { id: Number(id) } : null;
      if (!target) throw new InvalidInput('name an entry id or --list <name>');
      await withAurgate(io, async (app) => {
        const by = await authenticateCli(io, app, { named: options.by, flag: '--by', need: 'admin', what: 'changing IOC lists' });
        io.stdout.write(`removed ${removeIocEntries(app.db, target, by)} entries\n`);
      });
    });

  ioc
    .command('scan')
    .description('run every list over every recorded revision now (each sync runs them over the pending ones)')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) =>
      withAurgate(io, async (app) => {
        const scan = await scanIocs(app, 'all');
        if (options.json) return printJson(io, scan);
        printScan(io, scan);
      }),
    );
}
