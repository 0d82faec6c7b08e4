import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { EXIT_CODES } from '../error-mapping.js';
import { InvalidInput, UpstreamError } from '../errors.js';
import { defaultStateFile, RemoteLog } from '../app/log-client.js';
import { describeAttestation, describeCheckpoint, verifyLockAttestations, type AttestationResult } from '../app/verify-attestations.js';
import type { LockFile, LockGap } from '../pin/lock-file.js';
import type { SignedCheckpoint } from '../trust/checkpoint.js';
import { LOCK_FORMATS, parseLock, parseLockFormat, renderLock } from '../pin/format.js';
import { createLock } from '../app/lock.js';
import { describeResult, isDrift, verifyLock } from '../app/verify-lock.js';
import { DbCatalog } from '../store/catalog.js';
import { withAurgate } from './context.js';
import { printJson } from './output.js';
import type { CliIo } from './io.js';

/**
 * The signed side of `verify`: the log's checkpoint (pinned key, origin, consistent with what this
 * machine saw before), then each entry's attestation. An unreachable log leaves every entry unchecked.
 */
async function checkSignedLog(
  io: CliIo,
  lock: LockFile,
  options: { keys: string; state?: string | undefined; server?: string | undefined; timeoutMs: number },
): Promise<{ head: string; results: AttestationResult[] }> {
  let keysText: string;
  try {
    keysText = await readFile(options.keys, 'utf8');
  } catch (error) {
    throw new InvalidInput(`cannot read the pinned keys ${options.keys}`, { cause: error });
  }
  const log = new RemoteLog(options.server ?? lock.server, keysText, { timeoutMs: options.timeoutMs });
  let checkpoint: SignedCheckpoint;
  try {
    checkpoint = await log.checkpoint();
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error;
    const outcome = { kind: 'unreachable', detail: error.message } as const;
    return { head: `ERROR  the approval log could not be read: ${error.message}`, results: lock.packages.map((entry) => ({ entry, outcome })) };
  }
  const { previous } = await log.advance(options.state ?? defaultStateFile(log.origin, io.env), checkpoint);
  return { head: describeCheckpoint(checkpoint, previous), results: await verifyLockAttestations(lock, log, checkpoint) };
}

/** The gaps of a lock written with --allow-missing, one line each, for stderr. */
export function describeGaps(missing: readonly LockGap[]): string {
  const head = `aurgate: warning: the lock leaves out ${missing.length === 1 ? 'an AUR dependency' : `${missing.length} AUR dependencies`} that ${missing.length === 1 ? 'is' : 'are'} not served (--allow-missing):`;
  return [head, ...missing.map((gap) => `  ${gap.name} (needed by ${gap.requiredBy.join(', ')}): ${gap.reason}`)].join('\n') + '\n';
}

export function registerPinCommands(program: Command, io: CliIo): void {
  program
    .command('lock')
    .description('pin the served revision of packages for reproducible builds (JSON lock, Dockerfile ADD or portable RUN lines, or git commands)')
    .argument('<pkgname...>', 'package names (or pkgbases); their AUR dependencies are added, and all are listed in build order')
    .option('--format <format>', `output form: ${LOCK_FORMATS.join(', ')}`, 'json')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .option('--allow-missing', 'write the lock even when AUR dependencies are not served (the gaps are listed on stderr and in the lock)')
    .action(async (names: string[], options: { format: string; output?: string; allowMissing?: boolean }) =>
      withAurgate(io, async (app) => {
        const format = parseLockFormat(options.format);
        const { snapshots } = app;
        const lock = await createLock(
          { db: app.db, lookup: new DbCatalog(app.db), snapshots, publicUrl: app.config.publicUrl, attestations: app.trust },
          names,
          { allowMissing: options.allowMissing === true },
        );
        const text = renderLock(lock, format);
        if (options.output) await writeFile(options.output, text);
        else io.stdout.write(text);
        if (lock.missing) io.stderr.write(describeGaps(lock.missing));
      }),
    );

  program
    .command('verify')
    .description(
      'check a JSON lock against the server: every pinned snapshot still approved and byte-identical, and every AUR dependency of each locked revision in the lock (exit 1 on drift); with --keys also every signed approval and the log (exit 8 if tampered)',
    )
    .argument('<lockfile>', 'a lock written by `aurgate lock --format json`')
    .option('--server <url>', "the aurgate to ask (default: the lock's server)")
    .option('--timeout <ms>', 'timeout per package download', '60000')
    .option('--keys <file>', 'pinned public keys (/.well-known/aurgate/keys): check each approval signature, its log inclusion and the log')
    .option('--state <file>', 'where this machine keeps the last checkpoint it accepted (default: $XDG_STATE_HOME/aurgate/<origin>.checkpoint.json)')
    .option('--json', 'machine-readable results')
    .action(async (file: string, options: { server?: string; timeout: string; keys?: string; state?: string; json?: boolean }) => {
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
      // The log first: a tampered checkpoint (bad signature, rollback, fork) stops here with exit code 8.
      const signed = options.keys
        ? await checkSignedLog(io, lock, { keys: options.keys, state: options.state, server: options.server, timeoutMs })
        : null;
      const results = await verifyLock(lock, { server: options.server, timeoutMs });
      if (options.json)
        printJson(
          io,
          results.map(({ entry, url, outcome, note }, index) => ({
            pkgname: entry.pkgname,
            pkgbase: entry.pkgbase,
            commit: entry.commit,
            url,
            ...outcome,
            ...(note ? { note } : {}),
            ...(signed ? { attestation: signed.results[index]?.outcome } : {}),
          })),
        );
      else {
        if (signed) io.stdout.write(`${signed.head}\n`);
        results.forEach((result, index) => {
          io.stdout.write(`${describeResult(result)}\n`);
          const attested = signed?.results[index];
          if (attested) io.stdout.write(`${describeAttestation(attested)}\n`);
        });
      }
      const attested = signed?.results ?? [];
      const tampered = attested.filter((result) => result.outcome.kind === 'tampered').length;
      const drifted = results.filter((result, index) => isDrift(result.outcome) || attested[index]?.outcome.kind === 'revoked').length;
      const unchecked = results.filter(
        (result, index) => result.outcome.kind === 'unreachable' || attested[index]?.outcome.kind === 'unreachable',
      ).length;
      if (!options.json && lock.missing)
        io.stderr.write(
          `the lock records AUR dependencies left out with --allow-missing (not drift): ${lock.missing.map((gap) => gap.name).join(', ')}\n`,
        );
      if (!options.json)
        io.stderr.write(
          `${results.length} packages: ${results.length - drifted - unchecked} ok, ${drifted} drifted, ${unchecked} not checked${signed ? `, ${tampered} tampered` : ''}\n`,
        );
      if (tampered > 0) io.exitCode = EXIT_CODES.tampered;
      else if (drifted > 0) io.exitCode = EXIT_CODES.failure;
      // Nothing drifted but some entries could not be checked (network, 5xx).
      else if (unchecked > 0) io.exitCode = EXIT_CODES.unchecked;
    });
}
