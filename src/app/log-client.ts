import { homedir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { InvalidInput, UpstreamError } from '../errors.js';
import { openCheckpoint, type SignedCheckpoint } from '../trust/checkpoint.js';
import { TamperedError } from '../trust/errors.js';
import { parsePinnedKeys, type PinnedKeys } from '../trust/pinned-keys.js';
import { readVerifierState, checkAdvance, writeVerifierState, type VerifierState } from '../trust/verifier-state.js';
import { decodeEntryBundle, tilePath, TILE_WIDTH } from '../trust/tiles.js';
import { readBodyWithin } from '../bounded-body.js';

/**
 * A remote aurgate's approval log, read with nothing but the pinned keys: every answer is bounded in
 * size and time, and nothing it says is believed until a signature or proof checks it (the callers
 * do that with src/trust/). Transport failures are UpstreamError (nothing could be checked); answers
 * that fail a check are TamperedError.
 */
export interface RemoteLogOptions {
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const MAX_CHECKPOINT_BYTES = 64 * 1024;
const MAX_PROOF_BYTES = 64 * 1024;
/** 64 envelopes of at most 64 KiB each, as the server's `.intoto.jsonl` never holds more per revision. */
const MAX_JSONL_BYTES = 64 * 65_536;
/** A full entry bundle: 256 entries of at most 65535 bytes plus their length prefixes. */
const MAX_TILE_BYTES = TILE_WIDTH * 65_537;

const proofSchema = z.object({ proof: z.array(z.string().regex(/^[A-Za-z0-9+/]{43}=$/)).max(128) });

export class RemoteLog {
  readonly server: string;
  readonly pinned: PinnedKeys;
  readonly origin: string;

  constructor(
    server: string,
    keysText: string,
    private readonly options: RemoteLogOptions = {},
  ) {
    if (!/^https?:\/\/[^\s]+$/.test(server)) throw new InvalidInput(`not an http:// or https:// URL: ${server.slice(0, 200)}`);
    this.server = server.replace(/\/+$/, '');
    this.pinned = parsePinnedKeys(keysText);
    const origins = [...new Set(this.pinned.notes.map((note) => note.name))];
    if (origins.length !== 1)
      throw new InvalidInput(`the pinned keys name ${origins.length} log origins (${origins.join(', ')}); pin one log's keys`);
    this.origin = origins[0] as string;
  }

  /** The current checkpoint, its signature checked against the pinned keys and its origin against theirs. */
  async checkpoint(): Promise<SignedCheckpoint> {
    const note = await this.get('/log/checkpoint', MAX_CHECKPOINT_BYTES);
    return openCheckpoint(note, this.pinned.notes, this.origin);
  }

  async inclusionProof(index: number, size: number): Promise<Buffer[]> {
    return this.proof(`/log/proof/inclusion?index=${index}&size=${size}`);
  }

  async consistencyProof(from: number, to: number): Promise<Buffer[]> {
    return this.proof(`/log/proof/consistency?from=${from}&to=${to}`);
  }

  /** The `.intoto.jsonl` lines of one revision (empty when the server has none). */
  async attestationLines(pkgbase: string, commit: string): Promise<string[]> {
    const text = await this.get(`/attestations/${pkgbase}/${commit}.intoto.jsonl`, MAX_JSONL_BYTES, true);
    return text.split('\n').filter(Boolean);
  }

  /** Entries [from, to) of a tree of `size` entries, read from the C2SP entry tiles (unchecked: prove each). */
  async entries(from: number, to: number, size: number): Promise<Buffer[]> {
    const found: Buffer[] = [];
    for (let tile = Math.floor(from / TILE_WIDTH); tile * TILE_WIDTH < to; tile += 1) {
      const width = Math.min(TILE_WIDTH, size - tile * TILE_WIDTH);
      const bundle = decodeEntryBundleChecked(await this.getBytes(`/log/${tilePath({ kind: 'entries', index: tile, width })}`, MAX_TILE_BYTES));
      if (bundle.length !== width) throw new TamperedError('malformed', `entry tile ${tile} holds ${bundle.length} entries, not ${width}`);
      bundle.forEach((entry, offset) => {
        const index = tile * TILE_WIDTH + offset;
        if (index >= from && index < to) found.push(entry);
      });
    }
    return found;
  }

  /**
   * Checks `checkpoint` against the last one this machine accepted (state file) and remembers it when
   * newer: a smaller tree is a rollback, one that no consistency proof joins a fork.
   */
  async advance(
    stateFile: string,
    checkpoint: SignedCheckpoint,
    /** Runs after the consistency check and before the state is saved: what it throws keeps the old state. */
    beforeSave?: (previous: VerifierState | null) => Promise<void>,
  ): Promise<{ previous: VerifierState | null; updated: boolean }> {
    const previous = readVerifierState(stateFile);
    const proof = previous && checkpoint.size > previous.size && previous.size > 0 ? await this.consistencyProof(previous.size, checkpoint.size) : [];
    const updated = checkAdvance(previous, checkpoint, proof);
    await beforeSave?.(previous);
    if (updated) writeVerifierState(stateFile, { ...checkpoint, seenAt: new Date().toISOString() });
    return { previous, updated };
  }

  private async proof(route: string): Promise<Buffer[]> {
    const text = await this.get(route, MAX_PROOF_BYTES);
    let parsed: z.infer<typeof proofSchema>;
    try {
      parsed = proofSchema.parse(JSON.parse(text));
    } catch {
      throw new TamperedError('malformed', `the server's answer to ${route} is not a proof`);
    }
    return parsed.proof.map((hash) => Buffer.from(hash, 'base64'));
  }

  private async get(route: string, maxBytes: number, missingIsEmpty = false): Promise<string> {
    return (await this.getBytes(route, maxBytes, missingIsEmpty)).toString('utf8');
  }

  private async getBytes(route: string, maxBytes: number, missingIsEmpty = false): Promise<Buffer> {
    const url = `${this.server}${route}`;
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(url, {
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000),
        headers: { 'User-Agent': 'aurgate-verify' },
      });
    } catch (error) {
      throw new UpstreamError(
        `cannot reach ${url}: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`,
      );
    }
    if (missingIsEmpty && response.status === 404) {
      await response.body?.cancel();
      return Buffer.alloc(0);
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new UpstreamError(`${url} answered HTTP ${response.status}`);
    }
    return readBodyWithin(response.body, maxBytes, () => new TamperedError('malformed', `${url} sent more than ${maxBytes} bytes`));
  }
}

function decodeEntryBundleChecked(bytes: Buffer): Buffer[] {
  try {
    return decodeEntryBundle(bytes);
  } catch (error) {
    throw new TamperedError('malformed', `malformed entry tile: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Where this machine remembers a log's last checkpoint when no `--state` is given:
 * `$XDG_STATE_HOME/aurgate/<origin>.checkpoint.json` (`~/.local/state/aurgate/…` without it).
 */
export function defaultStateFile(origin: string, env: Readonly<Record<string, string | undefined>>): string {
  const base = env['XDG_STATE_HOME'] || path.join(env['HOME'] || homedir(), '.local', 'state');
  return path.join(base, 'aurgate', `${origin.replace(/[^A-Za-z0-9._-]+/g, '_')}.checkpoint.json`);
}
