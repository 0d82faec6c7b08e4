import type { Command } from 'commander';
import { buildLogFile } from '../app/build.js';
import { buildPackages, getBuild, listBuilds } from '../build/records.js';
import { EXIT_CODES } from '../error-mapping.js';
import { NotFound } from '../errors.js';
import { withAurgate } from './context.js';
import type { CliIo } from './io.js';
import { formatTime, printJson, table } from './output.js';
import { termSafe } from './terminal.js';
import { createReadStream } from 'node:fs';

/** `aurgate build` and `aurgate builds`: building approved revisions into pacman packages (README "Builds of approved revisions"). */
export function registerBuildCommands(program: Command, io: CliIo): void {
  program
    .command('build')
    .description('build an approved revision into pacman packages, offline, from the source cache (the served head unless --commit names another)')
    .argument('<pkgbase>')
    .option('--commit <sha>', 'the approved revision (full commit id)')
    .option('--json', 'print the build and its packages as JSON')
    .action(async (pkgbase: string, options: { commit?: string; json?: boolean }) =>
      withAurgate(io, async (app) => {
        const outcome = await app.build({
          pkgbase,
          commit: options.commit,
          trigger: 'cli',
          requestedBy: 'cli',
          onStage: (stage) => !options.json && io.stderr.write(`${pkgbase}: ${stage}\n`),
        });
        const { repository } = outcome;
        if ('error' in repository) io.exitCode = EXIT_CODES.failure;
        if (options.json) return printJson(io, { build: outcome.build, packages: outcome.packages, log: outcome.logFile, repository });
        for (const pkg of outcome.packages) io.stdout.write(`${pkg.filename} ${pkg.sha256}\n`);
        io.stderr.write(`build #${outcome.build.id} succeeded; log: ${outcome.logFile}\n`);
        io.stderr.write(
          'error' in repository
            ? `the signed repository was not updated: ${termSafe(repository.error)}\n`
            : `signed repository: ${repository.added.length} added, ${repository.removed.length} removed\n`,
        );
      }),
    );

  program
    .command('builds')
    .description('the recent builds with their state, or one build with its packages and log (--log)')
    .argument('[pkgbase]', 'only the builds of this package')
    .option('--log <id>', "print a build's log")
    .option('--json', 'print JSON')
    .action(async (pkgbase: string | undefined, options: { log?: string; json?: boolean }) =>
      withAurgate(io, async (app) => {
        if (options.log !== undefined) {
          const build = getBuild(app.db, Number(options.log));
          if (!build) throw new NotFound(`there is no build ${options.log}`);
          for await (const chunk of createReadStream(buildLogFile(app, build.id)) as AsyncIterable<Buffer>) io.stdout.write(chunk.toString('utf8'));
          return;
        }
        const builds = listBuilds(app.db, pkgbase ? { pkgbase } : {});
        if (options.json) return printJson(io, { builds: builds.map((build) => ({ ...build, packages: buildPackages(app.db, build.id) })) });
        const rows = builds.map((build) => [
          `#${build.id}`,
          build.pkgbase,
          build.commit.slice(0, 12),
          build.state,
          formatTime(build.finishedAt ?? build.startedAt ?? build.queuedAt),
          build.networkIsolated ? 'offline' : 'online',
          termSafe(build.error ?? ''),
        ]);
        io.stdout.write(`${table([['BUILD', 'PKGBASE', 'COMMIT', 'STATE', 'AT', 'NETWORK', 'ERROR'], ...rows])}\n`);
      }),
    );
}
