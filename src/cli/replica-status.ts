import { existsSync } from 'node:fs';
import { readConfig, type Config } from '../config.js';
import { storedReplicaStatus, type ReplicaStatus } from '../app/replica-follower.js';
import { openDatabase } from '../db/open.js';
import { isReplicaDataDir } from '../replica/follower-state.js';
import type { CliIo } from './io.js';
import { formatTime, printJson } from './output.js';

/** Whether the configured data dir belongs to a replica (checked without creating anything there). */
export function dataDirIsReplica(config: Config): boolean {
  if (!existsSync(config.paths.database)) return false;
  const db = openDatabase(config.paths.database);
  try {
    return isReplicaDataDir(db);
  } finally {
    db.close();
  }
}

/** `aurgate status` on a replica's data dir: whom it follows, how far, and why it stopped if it did. */
export function printReplicaStatus(io: CliIo, json: boolean): void {
  const { config } = readConfig(io.env);
  const db = openDatabase(config.paths.database);
  let status: ReplicaStatus;
  try {
    status = storedReplicaStatus(db);
  } finally {
    db.close();
  }
  if (json) return printJson(io, { replica: status });
  const out = (line: string) => io.stdout.write(`${line}\n`);
  out(`replica of ${status.primary} (log ${status.origin}): ${status.state.toUpperCase()}`);
  out(`log: ${status.verifiedEntries} entries verified, ${status.appliedEntries} applied, ${status.skippedEntries} skipped`);
  out(`last contact with the primary: ${status.lastContactAt === null ? 'never' : formatTime(status.lastContactAt)}`);
  if (status.lastLagMs !== null) out(`last decision served ${(status.lastLagMs / 1000).toFixed(1)} s after it was made`);
  if (status.lastError) out(`last error (retried): ${status.lastError}`);
  if (status.halt) {
    out(`HALTED at ${formatTime(status.halt.at)} (${status.halt.kind}): ${status.halt.reason}`);
    out('It keeps serving its last verified state and applies nothing more until restarted; see README "Running replicas".');
    io.exitCode = 1;
  }
}
