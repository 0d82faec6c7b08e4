import { statSync } from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/open.js';
import { AttestationLog, type LoggedAttestation } from '../trust/attestation-log.js';
import { verifyAttestation } from '../trust/attestation.js';
import { importKey, openKeyStore, rotateKey, type KeyStore } from '../trust/key-store.js';
import { LogStore, type IntegrityReport, type StoredCheckpoint } from '../trust/log-store.js';
import { formatPinnedKeys, pinnedKeysOf } from '../trust/pinned-keys.js';
import { logOriginOf, type PublishedLog } from '../trust/published-log.js';
import type { ReviewStatement } from '../trust/statement.js';
import type { TileCoordinate } from '../trust/tiles.js';

/**
 * The signing key and the approval log of this server: what decisions append to, what the public
 * routes serve and what start-up checks. The key store is re-read when its manifest changes, so a
 * `aurgate key rotate` in another process takes effect at the next decision without a restart.
 */
export class TrustLog implements PublishedLog {
  readonly origin: string;
  readonly store: LogStore;
  readonly attestationLog: AttestationLog;
  private loaded: { stamp: string; keys: KeyStore } | null = null;

  constructor(
    private readonly db: Db,
    readonly keysDir: string,
    publicUrl: string,
  ) {
    this.origin = logOriginOf(publicUrl);
    this.store = new LogStore(db);
    this.attestationLog = new AttestationLog(db, this.store);
    this.keys();
  }

  /** The key store, created with a new key on first use. */
  keys(): KeyStore {
    const stamp = manifestStamp(this.keysDir);
    if (!this.loaded || this.loaded.stamp !== stamp || stamp === '') {
      const keys = openKeyStore(this.keysDir);
      this.loaded = { stamp: manifestStamp(this.keysDir), keys };
    }
    return this.loaded.keys;
  }

  rotate(): KeyStore {
    rotateKey(this.keysDir);
    return this.keys();
  }

  import(material: Uint8Array): KeyStore {
    importKey(this.keysDir, material);
    return this.keys();
  }

  pinnedKeys(): string {
    return formatPinnedKeys(this.keys().keys, this.origin);
  }

  /**
   * Signs one decision and appends it to the log, then signs a checkpoint over it; runs inside the
   * caller's transaction, so the decision, its attestation and the checkpoint commit together.
   */
  record(statement: ReviewStatement, now = Date.now()): LoggedAttestation {
    const logged = this.attestationLog.record(statement, this.keys().active, now);
    this.publish(now);
    return logged;
  }

  /** A checkpoint of the whole log, signed by the active key (the latest one when nothing changed). */
  publish(now = Date.now()): StoredCheckpoint {
    const { active } = this.keys();
    return this.store.publishCheckpoint(this.origin, [active.noteSigner(this.origin)], now);
  }

  verifyIntegrity(): IntegrityReport {
    return this.store.verifyIntegrity();
  }

  /** The newest approval attestation of a revision (what a lock entry names), or null. */
  approvalOf(pkgbase: string, commit: string): LoggedAttestation | null {
    return (
      this.attestationLog
        .find(pkgbase, commit)
        .filter((entry) => entry.decision === 'approved')
        .at(-1) ?? null
    );
  }

  /** The statement of an attestation this log holds, its signature checked with this server's keys. */
  statementOf(entry: LoggedAttestation): ReviewStatement {
    return verifyAttestation(entry.line, pinnedKeysOf(this.keys().keys, this.origin).dsse);
  }

  checkpoint(): string {
    return (this.store.latestCheckpoint() ?? this.publish()).note;
  }

  size(): number {
    return this.store.size();
  }

  tile(tile: TileCoordinate): Buffer | null {
    return this.store.tile(tile);
  }

  inclusionProof(index: number, size: number): Buffer[] {
    return this.store.inclusionProof(index, size);
  }

  consistencyProof(from: number, to: number): Buffer[] {
    return this.store.consistencyProof(from, to);
  }

  attestations(pkgbase: string, commit: string): string {
    return this.attestationLog.jsonl(pkgbase, commit);
  }
}

/** Changes whenever the manifest is replaced (rotation and import rename a new file into place); '' when there is none. */
function manifestStamp(dir: string): string {
  try {
    const stat = statSync(path.join(dir, 'keys.json'), { bigint: true });
    return `${stat.ino}:${stat.mtimeNs}`;
  } catch {
    return '';
  }
}
