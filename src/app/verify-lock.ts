import { createHash } from 'node:crypto';
import { SnapshotSrcinfo } from '../pin/snapshot-srcinfo.js';
import { snapshotUrl, type LockEntry, type LockFile } from './lock.js';
import { askServer, checkClosure, describeGap, type ClosureGap } from './verify-closure.js';

/**
 * What the server says about one pinned package today. `revoked`, `checksum-changed`, `gone` and
 * `incomplete` (an AUR dependency of the locked revision is not in the lock) are drift: the lock no
 * longer describes something the server vouches for, or never described a whole build. `unreachable`
 * only means this check could not be made (network, server error) and says nothing about the package.
 */
export type VerifyOutcome =
  | { kind: 'ok' }
  | { kind: 'incomplete'; gaps: ClosureGap[] }
  | { kind: 'revoked'; reason: string }
  | { kind: 'checksum-changed'; actual: string }
  | { kind: 'gone'; detail: string }
  | { kind: 'unreachable'; detail: string };

export interface VerifyResult {
  entry: LockEntry;
  url: string;
  outcome: VerifyOutcome;
  /** Said about an entry whose check passed: why its dependencies could not be read. */
  note?: string;
}

export interface VerifyOptions {
  /** Overrides the lock's `server` (e.g. the lock was made through a different hostname). */
  server?: string | undefined;
  timeoutMs?: number;
  concurrency?: number;
  fetch?: typeof fetch;
}

const MAX_MESSAGE_BYTES = 4096;

/**
 * Checks every entry: the pinned URL must still answer 200 with bytes whose sha256 is the pinned one,
 * and every AUR dependency the .SRCINFO in those bytes names must be in the lock.
 */
export async function verifyLock(lock: LockFile, options: VerifyOptions = {}): Promise<VerifyResult[]> {
  const server = (options.server ?? lock.server).replace(/\/+$/, '');
  const results: VerifyResult[] = new Array(lock.packages.length);
  const srcinfos = new Map<LockEntry, { text: string } | { error: string }>();
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < lock.packages.length; index = next++) {
      const entry = lock.packages[index] as LockEntry;
      const url = snapshotUrl(server, entry.pkgbase, entry.commit);
      const reader = new SnapshotSrcinfo(entry.pkgbase);
      const outcome = await checkEntry(entry, url, options, reader);
      const srcinfo = await reader.result();
      if (outcome.kind === 'ok') srcinfos.set(entry, srcinfo);
      results[index] = { entry, url, outcome };
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, lock.packages.length)) }, worker));
  const closure = await checkClosure(lock, srcinfos, askServer(server, { timeoutMs: options.timeoutMs ?? 60_000, fetch: options.fetch }));
  for (const result of results) {
    const check = closure.get(result.entry);
    if (check?.kind === 'gaps') result.outcome = { kind: 'incomplete', gaps: check.gaps };
    if (check?.kind === 'unchecked') result.outcome = { kind: 'unreachable', detail: check.detail };
    if (check?.kind === 'unreadable') result.note = check.detail;
  }
  return results;
}

async function checkEntry(entry: LockEntry, url: string, options: VerifyOptions, reader: SnapshotSrcinfo): Promise<VerifyOutcome> {
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 60_000), headers: { 'User-Agent': 'aurgate-verify' } });
  } catch (error) {
    return {
      kind: 'unreachable',
      detail: error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error),
    };
  }
  try {
    if (response.status === 200) {
      const actual = await sha256Of(response.body, reader);
      return actual === entry.sha256 ? { kind: 'ok' } : { kind: 'checksum-changed', actual };
    }
    const message = await shortText(response);
    if (response.status === 410) return { kind: 'revoked', reason: message.replace(/^.*? was revoked: /s, '') || 'revoked' };
    if (response.status === 404) return { kind: 'gone', detail: message || 'not found' };
    return { kind: 'unreachable', detail: `HTTP ${response.status}${message ? `: ${message}` : ''}` };
  } catch (error) {
    return { kind: 'unreachable', detail: `reading the response failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** Hashes the body as it streams: archives are never held in memory whole. */
async function sha256Of(body: ReadableStream<Uint8Array> | null, reader: SnapshotSrcinfo): Promise<string> {
  const hash = createHash('sha256');
  if (body)
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      await reader.write(chunk);
    }
  return hash.digest('hex');
}

/** The first few KB of an error body, as one line: servers' messages are shown, never trusted for size. */
async function shortText(response: Response): Promise<string> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= MAX_MESSAGE_BYTES) break;
  }
  const text = Buffer.concat(chunks).subarray(0, MAX_MESSAGE_BYTES).toString('utf8');
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

export function isDrift(outcome: VerifyOutcome): boolean {
  return outcome.kind === 'revoked' || outcome.kind === 'checksum-changed' || outcome.kind === 'gone' || outcome.kind === 'incomplete';
}

/** One line per package: `OK …` or `DRIFT …: what changed`, or `ERROR …` when it could not be checked. */
export function describeResult({ entry, url, outcome, note }: VerifyResult): string {
  const subject = `${entry.pkgname} ${entry.version ?? '?'} (${entry.pkgbase} ${entry.commit.slice(0, 12)})`;
  switch (outcome.kind) {
    case 'ok':
      return `OK     ${subject} sha256 ${entry.sha256}${note ? `\nNOTE   ${subject}: ${note}` : ''}`;
    case 'incomplete':
      return `DRIFT  ${subject}: needs AUR ${outcome.gaps.length === 1 ? 'dependency' : 'dependencies'} the lock lacks: ${outcome.gaps.map(describeGap).join(', ')}`;
    case 'revoked':
      return `DRIFT  ${subject}: revoked: ${outcome.reason}`;
    case 'checksum-changed':
      return `DRIFT  ${subject}: checksum changed: lock has ${entry.sha256}, server sent ${outcome.actual}`;
    case 'gone':
      return `DRIFT  ${subject}: gone (HTTP 404 from ${url}): ${outcome.detail}`;
    case 'unreachable':
      return `ERROR  ${subject}: could not check ${url}: ${outcome.detail}`;
  }
}
