import type { Db } from '../db/open.js';
import { NotFound, describeError } from '../errors.js';
import type { Notifier } from '../notify/webhook.js';
import { clearHalt, markContact, markError, markHalted, readFollowerState } from '../replica/follower-state.js';
import { verifyAttestation } from '../trust/attestation.js';
import { TamperedError } from '../trust/errors.js';
import { LogStore } from '../trust/log-store.js';
import type { MirroredLog } from '../trust/mirrored-log.js';
import type { RemoteLog } from './log-client.js';
import { applyVerifiedEntries, type ReplicaApplyDeps } from './replica-apply.js';
import { advanceLog } from './replica-log.js';

export interface ReplicaStatus {
  /** `following`: up to date or catching up; `halted`: verification failed, nothing more is applied. */
  state: 'starting' | 'following' | 'halted';
  origin: string;
  primary: string;
  /** Entries of the primary's log verified here, and how many of them are applied to what is served. */
  verifiedEntries: number;
  appliedEntries: number;
  skippedEntries: number;
  lastContactAt: number | null;
  lastAppliedAt: number | null;
  lastLagMs: number | null;
  /** Age of the oldest verified entry not applied yet, in ms (0 when caught up). */
  pendingAgeMs: number;
  lastError: string | null;
  halt: { at: number; kind: string; reason: string } | null;
}

export interface FollowerDeps extends ReplicaApplyDeps {
  remote: RemoteLog;
  log: MirroredLog;
  notifier: Notifier;
  pollMs: number;
  /** Called once per halt (metrics). */
  onHalt?: (kind: string) => void;
}

/**
 * Follows the primary: every `pollMs` (or at once after a round that found work) one round verifies
 * the log forward and applies what it verified. A failure to reach the primary is retried; a failure
 * to verify halts the follower: it stops, keeps what it verified, and raises the alert (log line,
 * webhook, and the state that /readyz, `aurgate status` and the metrics report).
 */
export class ReplicaFollower {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private stopped = false;
  private halted = false;
  private contacted = false;

  constructor(private readonly deps: FollowerDeps) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Metrics hooks of the server (set once it exists). */
  observe(hooks: { onApplied?: (lagMs: number) => void; onHalt?: (kind: string) => void }): void {
    if (hooks.onApplied) this.deps.onApplied = hooks.onApplied;
    if (hooks.onHalt) this.deps.onHalt = hooks.onHalt;
  }

  /** One round now (tests, and the loop). Never throws. */
  async round(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.follow().finally(() => (this.running = null));
    return this.running;
  }

  status(now = Date.now()): ReplicaStatus {
    const { db, log } = this.deps;
    const stored = storedReplicaStatus(db);
    const state =
      this.halted || (stored.halt && !this.contacted) ? 'halted' : this.contacted || stored.verifiedEntries > 0 ? 'following' : 'starting';
    return { ...stored, state, pendingAgeMs: pendingAge(log, this.deps.keys, stored.appliedEntries, stored.verifiedEntries, now) };
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.halted) return;
    this.timer = setTimeout(() => {
      void this.round().then(() => this.schedule(this.deps.pollMs));
    }, delayMs);
  }

  private async follow(): Promise<void> {
    if (this.halted) return;
    const { db, remote, log, logger } = this.deps;
    try {
      const advance = await advanceLog(db, remote, log);
      markContact(db);
      if (advance.to > advance.from) logger.info({ from: advance.from, to: advance.to }, 'replica: verified new log entries');
      await applyVerifiedEntries(this.deps);
      // After the decisions, so a slow or pending source never delays one; a digest mismatch halts.
      await this.deps.sources?.runQueued();
      await this.deps.sources?.gc();
      if (!this.contacted && readFollowerState(db)?.halt) logger.warn('replica: verification passed again after a restart; following resumes');
      this.contacted = true;
      clearHalt(db);
    } catch (error) {
      if (error instanceof TamperedError) await this.halt(error);
      else {
        markError(db, describeError(error));
        logger.warn({ err: describeError(error) }, 'replica: round failed; retrying');
      }
    }
  }

  private async halt(error: TamperedError): Promise<void> {
    const { db, logger, notifier, remote } = this.deps;
    this.halted = true;
    const reason = describeError(error);
    markHalted(db, error.kind, reason);
    this.deps.onHalt?.(error.kind);
    logger.error({ kind: error.kind, reason, primary: remote.server }, 'replica halted: verification failed; serving the last verified state');
    await notifier.send({
      event: 'replica.halted',
      primary: remote.server,
      kind: error.kind,
      reason,
      at: new Date().toISOString(),
      text: `aurgate replica of ${remote.server} HALTED (${error.kind}): ${reason}. It keeps serving its last verified state.`,
    });
  }
}

/** A replica's state as its database records it (what `aurgate status` shows from another process). */
export function storedReplicaStatus(db: Db): ReplicaStatus {
  const state = readFollowerState(db);
  if (!state) throw new NotFound('this data dir is not a replica');
  return {
    state: state.halt ? 'halted' : 'following',
    origin: state.origin,
    primary: state.primaryUrl,
    verifiedEntries: new LogStore(db).latestCheckpoint()?.size ?? 0,
    appliedEntries: state.appliedSize,
    skippedEntries: state.skipped,
    lastContactAt: state.lastContactAt,
    lastAppliedAt: state.lastAppliedAt,
    lastLagMs: state.lastLagMs,
    pendingAgeMs: 0,
    lastError: state.lastError,
    halt: state.halt,
  };
}

/** How long the oldest verified but unapplied decision has waited (0 when caught up). */
function pendingAge(log: MirroredLog, keys: ReplicaApplyDeps['keys'], applied: number, verified: number, now: number): number {
  const [line] = applied < verified ? log.store.leaves(applied, 1) : [];
  if (!line) return 0;
  try {
    return Math.max(0, now - Date.parse(verifyAttestation(line, keys).predicate.decidedAt));
  } catch {
    // The follower halts on it; the age of an entry that does not verify means nothing.
    return 0;
  }
}
