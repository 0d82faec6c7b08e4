import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ReplicaStatus } from '../app/replica-follower.js';

/**
 * A replica's own metrics, beside the request metrics every server has. The gauges are read from the
 * follower's state when scraped; the lag histogram and the halt counter are fed by the follower.
 */
export function replicaMetrics(
  registry: Registry,
  status: () => ReplicaStatus,
): {
  onApplied: (lagMs: number) => void;
  onHalt: (kind: string) => void;
  onStored: (bytes: number) => void;
  onFailed: (reason: 'unreachable' | 'refused') => void;
} {
  const registers = [registry];
  const gauge = (name: string, help: string, read: (s: ReplicaStatus) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read(status()));
      },
    });
  gauge('aurgate_replica_halted', '1 when verification failed and the replica stopped following (it keeps serving what it verified)', (s) =>
    s.state === 'halted' ? 1 : 0,
  );
  gauge('aurgate_replica_verified_entries', "Entries of the primary's log verified by this replica", (s) => s.verifiedEntries);
  gauge('aurgate_replica_applied_entries', 'Verified entries applied to what this replica serves', (s) => s.appliedEntries);
  gauge('aurgate_replica_lag_entries', 'Verified entries not applied yet', (s) => Math.max(0, s.verifiedEntries - s.appliedEntries));
  gauge('aurgate_replica_lag_seconds', 'Age of the oldest verified decision not served yet (0 when caught up)', (s) => s.pendingAgeMs / 1000);
  gauge(
    'aurgate_replica_last_lag_seconds',
    'Decision on the primary to served on this replica, of the entry applied last',
    (s) => (s.lastLagMs ?? 0) / 1000,
  );
  gauge('aurgate_replica_last_contact_timestamp_seconds', 'When this replica last verified a checkpoint of its primary, epoch seconds', (s) =>
    s.lastContactAt === null ? 0 : s.lastContactAt / 1000,
  );
  gauge('aurgate_replica_skipped_entries', 'Approvals not replicated because the primary no longer had their objects', (s) => s.skippedEntries);
  const lag = new Histogram({
    name: 'aurgate_replica_apply_lag_seconds',
    help: 'Decision on the primary to served on this replica, per applied entry (this process)',
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
    registers,
  });
  const halts = new Counter({
    name: 'aurgate_replica_halts_total',
    help: 'Verification failures that halted following, by kind',
    labelNames: ['kind'],
    registers,
  });
  const sourceBytes = new Counter({
    name: 'aurgate_replica_source_bytes_total',
    help: "Bytes of source files copied from the primary's source cache and verified (this process)",
    registers,
  });
  const sourceFailures = new Counter({
    name: 'aurgate_replica_source_failures_total',
    help: 'Source replication failures: unreachable (retried) or refused (a digest mismatch, which halts)',
    labelNames: ['reason'],
    registers,
  });
  return {
    onApplied: (lagMs) => lag.observe(lagMs / 1000),
    onHalt: (kind) => halts.inc({ kind }),
    onStored: (bytes) => sourceBytes.inc(bytes),
    onFailed: (reason) => sourceFailures.inc({ reason }),
  };
}
