import { SingleBar } from 'cli-progress';
import { closeRunsWithoutHolder } from '../app/sync.js';
import type { Command } from 'commander';
import { Busy } from '../errors.js';
import { listAllowlist, listAllowlistedPackages } from '../quarantine/packages.js';
import { listPendingRevisions } from '../quarantine/revisions.js';
import type { SyncOptions } from '../sync/run.js';
import type { SyncSummary } from '../sync/runs.js';
import { listRuns } from '../sync/runs.js';
import type { Aurgate } from '../compose.js';
import { readPolicy } from '../quarantine/policy.js';
import { cliActor, withAurgate } from './context.js';
import { allowlistActor } from './credentials.js';
import { formatAge, formatTime, printJson, table } from './output.js';
import { readConfig } from '../config.js';
import { dataDirIsReplica, printReplicaStatus } from './replica-status.js';
import type { CliIo } from './io.js';

/** A progress bar on a terminal; elsewhere nothing until the one-line summary. */
function progressReporter(io: CliIo): { onProgress?: SyncOptions['onProgress']; stop: () => void } {
  if (!io.stderr.isTTY) return { stop: () => undefined };
  const bar = new SingleBar({ format: 'sync [{bar}] {value}/{total} {pkgbase}', stream: io.stderr as NodeJS.WritableStream, hideCursor: true });
  let started = false;
  return {
    onProgress: (done, total, pkgbase) => {
      if (!started) {
        bar.start(total, 0, { pkgbase });
        started = true;
      }
      bar.update(done, { pkgbase });
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

export function summaryLine(summary: SyncSummary): string {
  const seconds = (summary.durationMs / 1000).toFixed(1);
  const failures = summary.errors.map((entry) => `\n  ${entry.pkgbase}: ${entry.error}`).join('');
  return `sync ${summary.status}: ${summary.packages} packages, ${summary.fetched} fetched, ${summary.newRevisions} new revisions, ${summary.failed} failed in ${seconds}s${failures}`;
}

async function syncWithProgress(io: CliIo, app: Aurgate, options: Omit<SyncOptions, 'onProgress'>): Promise<SyncSummary> {
  const progress = progressReporter(io);
  try {
    return await app.sync({ ...options, ...(progress.onProgress ? { onProgress: progress.onProgress } : {}) });
  } finally {
    progress.stop();
  }
}

export function registerMirrorCommands(program: Command, io: CliIo): void {
  program
    .command('allow')
    .description('add packages (by pkgname) to the allowlist and fetch them at once')
    .argument('<pkgname...>', 'AUR package names')
    .option('--by <name>', 'an admin account the change is attributed to (default: cli:<os user>)')
    .option('--no-fetch', 'only add them; the next sync fetches them')
    .action(async (names: string[], options: { by?: string; fetch: boolean }) =>
      withAurgate(io, async (app) => {
        const added = await app.allow(names, allowlistActor(app, options.by, cliActor()), 'cli');
        for (const entry of added) io.stdout.write(`allowed ${entry.pkgname} (pkgbase ${entry.pkgbase})\n`);
        if (added.length === 0) io.stdout.write('already on the allowlist\n');
        if (!options.fetch) return;
        try {
          const summary = await syncWithProgress(io, app, { only: [...new Set(names)], trigger: 'allow' });
          io.stdout.write(`${summaryLine(summary)}\n`);
          if (summary.failed > 0) io.exitCode = 1;
        } catch (error) {
          if (!(error instanceof Busy)) throw error;
          io.stdout.write(`a sync is running (${error.message}); the next sync fetches the new packages\n`);
        }
      }),
    );

  program
    .command('disallow')
    .description('remove packages (pkgname or pkgbase) from the allowlist; they stop being served')
    .argument('<pkgname...>')
    .option('--by <name>', 'an admin account the change is attributed to (default: cli:<os user>)')
    .action(async (names: string[], options: { by?: string }) =>
      withAurgate(io, (app) => {
        for (const entry of app.disallow(names, allowlistActor(app, options.by, cliActor()), 'cli'))
          io.stdout.write(`disallowed ${entry.pkgname} (pkgbase ${entry.pkgbase})\n`);
      }),
    );

  program
    .command('allowlist')
    .description('list the allowlist')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) =>
      withAurgate(io, (app) => {
        const entries = listAllowlist(app.db);
        if (options.json) return printJson(io, entries);
        if (entries.length === 0) return void io.stdout.write('the allowlist is empty\n');
        const rows = entries.map((entry) => [entry.pkgname, entry.pkgbase, formatTime(entry.addedAt), entry.addedBy]);
        io.stdout.write(`${table([['PKGNAME', 'PKGBASE', 'ADDED', 'BY'], ...rows])}\n`);
      }),
    );

  program
    .command('sync')
    .description('fetch changed allowlisted packages from upstream now (all, or the given ones)')
    .argument('[pkgbase...]')
    .option('--full', 'git-fetch every package, whatever the RPC metadata says')
    .option('--json', 'print the run summary as JSON')
    .action(async (pkgbases: string[], options: { full?: boolean; json?: boolean }) =>
      withAurgate(io, async (app) => {
        const summary = await syncWithProgress(io, app, { only: pkgbases, full: options.full ?? false, trigger: 'cli' });
        if (options.json) printJson(io, summary);
        else io.stdout.write(`${summaryLine(summary)}\n`);
        if (summary.failed > 0) io.exitCode = 1;
      }),
    );

  program
    .command('status')
    .description('recent sync runs and the state of every package')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) =>
      dataDirIsReplica(readConfig(io.env).config)
        ? printReplicaStatus(io, options.json ?? false)
        : withAurgate(io, (app) => printStatus(io, app, options.json ?? false)),
    );
}

function printStatus(io: CliIo, app: Aurgate, json: boolean): void {
  closeRunsWithoutHolder(app.db);
  const runs = listRuns(app.db, 10);
  const packages = listAllowlistedPackages(app.db);
  const pending = listPendingRevisions(app.db);
  const policy = readPolicy(app.db);
  if (json) return printJson(io, { runs, packages, pending: pending.length, policy: { ...policy, warning: app.policyWarning } });
  const last = runs[0];
  io.stdout.write(
    last
      ? `last sync #${last.id} ${last.status} at ${formatTime(last.startedAt)} (${last.trigger}): ${last.packages} packages, ${last.fetched} fetched, ${last.newRevisions} new, ${last.failed} failed\n`
      : 'no sync has run yet\n',
  );
  io.stdout.write(`${packages.length} allowlisted packages, ${pending.length} pending review\n`);
  io.stdout.write(`policy: ${policy.requiredApprovals} approval${policy.requiredApprovals === 1 ? '' : 's'} required (from the database)\n`);
  if (app.policyWarning) io.stdout.write(`WARNING: ${app.policyWarning}\n`);
  if (packages.length === 0) return;
  const rows = packages.map((pkg) => [
    pkg.pkgbase,
    pkg.upstreamStatus,
    pkg.upstreamVersion ?? '-',
    pkg.lastCheckedAt ? formatAge(pkg.lastCheckedAt) : '-',
    pkg.lastError ?? '',
  ]);
  io.stdout.write(`${table([['PKGBASE', 'UPSTREAM', 'VERSION', 'CHECKED', 'ERROR'], ...rows])}\n`);
}
