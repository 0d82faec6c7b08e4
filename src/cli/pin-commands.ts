import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { EXIT_CODES } from '../error-mapping.js';
import { InvalidInput } from '../errors.js';
import { LOCK_FORMATS, parseLock, parseLockFormat, renderLock } from '../pin/format.js';
import { createLock } from '../app/lock.js';
import { describeResult, isDrift, verifyLock } from '../app/verify-lock.js';
import { DbCatalog } from '../store/catalog.js';
import { withAurgate } from './context.js';
import { printJson } from './output.js';
import type { CliIo } from './io.js';

export function registerPinCommands(program: Command, io: CliIo): void {
  program
    .command('lock')
    .description('pin the served revision of packages for reproducible builds (JSON lock, Dockerfile ADD lines, or git commands)')
    .argument('<pkgname...>', 'package names (or pkgbases), in build order: dependencies first')
    .option('--format <format>', `output form: ${LOCK_FORMATS.join(', ')}`, 'json')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(async (names: string[], options: { format: string; output?: string }) =>
      withAurgate(io, async (app) => {
        const format = parseLockFormat(options.format);
        const { snapshots } = app;
        const lock = await createLock(
          { db: app.db, lookup: new DbCatalog(app.db), snapshots, publicUrl: app.config.publicUrl, attestations: app.trust },
          names,
        );
        const text = renderLock(lock, format);
        if (options.output) await writeFile(options.output, text);
        else io.stdout.write(text);
      }),
    );

  program
    .command('verify')
    .description('check a JSON lock against the server: every pinned snapshot still approved and byte-identical (exit 1 on drift)')
    .argument('<lockfile>', 'a lock written by `aurgate lock --format json`')
    .option('--server <url>', "the aurgate to ask (default: the lock's server)")
    .option('--timeout <ms>', 'timeout per package download', '60000')
    .option('--json', 'machine-readable results')
    .action(async (file: string, options: { server?: string; timeout: string; json?: boolean }) => {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        throw new InvalidInput(`cannot read lock file ${file}`, { cause: error });
      }
      const lock = parseLock(text, file);
      const timeoutMs = Number(options.timeout);
      if (!Number.isInteger(timeoutMs) || timeoutMs < 100) throw new InvalidInput('--timeout must be a whole number of milliseconds (at least 100)');
      if (options.server !== undefined && !/^https?:\/\/[^\s]+$/.test(options.server))
        throw new InvalidInput('--server must be an http:// or https:// URL');
      const results = await verifyLock(lock, { server: options.server, timeoutMs });
      if (options.json)
        printJson(
          io,
          results.map(({ entry, url, outcome }) => ({ pkgname: entry.pkgname, pkgbase: entry.pkgbase, commit: entry.commit, url, ...outcome })),
        );
      else for (const result of results) io.stdout.write(`${describeResult(result)}\n`);
      const drifted = results.filter((result) => isDrift(result.outcome)).length;
      const unchecked = results.filter((result) => result.outcome.kind === 'unreachable').length;
      if (!options.json)
        io.stderr.write(`${results.length} packages: ${results.length - drifted - unchecked} ok, ${drifted} drifted, ${unchecked} not checked\n`);
      if (drifted > 0) io.exitCode = EXIT_CODES.failure;
      // Nothing drifted but some entries could not be checked (network, 5xx).
      else if (unchecked > 0) io.exitCode = EXIT_CODES.unchecked;
    });
}
