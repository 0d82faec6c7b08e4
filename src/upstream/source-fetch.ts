import { createHash, type Hash } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { SourceError } from '../errors.js';

/**
 * Downloads one PKGBUILD source over http(s) into a file, hashing it on the way. Everything about
 * the answer is hostile: the scheme of every redirect is checked, the number of redirects, the
 * size (announced and counted), the time of the whole transfer, and the address actually connected
 * to (checked in the socket's own DNS lookup, so a name cannot resolve to a public address for a
 * check and a private one for the connection). Hand-written on node:http because fetch() can
 * neither check the connected address nor stop a body at a byte count before buffering it.
 */
export interface SourceFetchOptions {
  maxBytes: number;
  timeoutMs: number;
  maxRedirects: number;
  /** Loopback, private, link-local and similar addresses are refused unless this is set. */
  allowPrivate: boolean;
  /** Node digest names to compute besides sha256. */
  digests: readonly string[];
  /** Names the package in errors. */
  pkgbase: string;
  filename: string;
}

export interface FetchedSource {
  size: number;
  sha256: string;
  /** Hex digest per requested Node digest name. */
  digests: Record<string, string>;
  /** The URL the bytes came from after redirects. */
  finalUrl: string;
}

/** Addresses a source may not come from by default: the server's own network. */
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return PRIVATE.check(mapped, 'ipv4');
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** A DNS lookup for the socket that refuses private addresses (the one check that sees the real peer). */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const usable = allowPrivate ? addresses : addresses.filter((entry) => !isPrivateAddress(entry.address));
      if (usable.length === 0) {
        const refused = Object.assign(new Error(`${hostname} resolves only to private addresses`), { code: 'EPRIVATE' });
        return callback(refused, '', 0);
      }
      if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, usable);
      const [first] = usable as [LookupAddress];
      callback(null, first.address, first.family);
    });
  };
}

export async function fetchSourceFile(url: string, target: string, options: SourceFetchOptions): Promise<FetchedSource> {
  const fail = (failure: ConstructorParameters<typeof SourceError>[0], message: string, cause?: unknown) =>
    new SourceError(failure, options.filename, `${options.pkgbase}: source ${options.filename}: ${message}`, { pkgbase: options.pkgbase, cause });
  const deadline = AbortSignal.timeout(options.timeoutMs);
  let current = new URL(url);
  try {
    for (let redirects = 0; ; redirects += 1) {
      if (current.protocol !== 'https:' && current.protocol !== 'http:') throw fail('refused', `scheme ${current.protocol} is not http(s)`);
      if (current.username || current.password) throw fail('refused', 'URLs with credentials are refused');
      const response = await request(current, options.allowPrivate, deadline);
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && response.headers.location) {
        response.resume();
        if (redirects >= options.maxRedirects) throw fail('unreachable', `more than ${options.maxRedirects} redirects`);
        const next = new URL(response.headers.location, current);
        if (current.protocol === 'https:' && next.protocol === 'http:') throw fail('refused', `redirect from https to ${next.origin} (plain http)`);
        current = next;
        continue;
      }
      if (status !== 200) {
        response.resume();
        throw fail('unreachable', `${current.origin} answered HTTP ${status}`);
      }
      const announced = Number(response.headers['content-length'] ?? NaN);
      if (announced > options.maxBytes) {
        response.destroy();
        throw fail('too-large', `${announced} bytes announced, over the per-file cap of ${options.maxBytes}`);
      }
      return { ...(await saveBody(response, target, options, fail)), finalUrl: current.toString() };
    }
  } catch (error) {
    await rm(target, { force: true });
    if (error instanceof SourceError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EPRIVATE') throw fail('refused', `${current.hostname} is a private address (AURGATE_SOURCE_ALLOW_PRIVATE)`, error);
    if (deadline.aborted) throw fail('unreachable', `timed out after ${options.timeoutMs} ms`, error);
    throw fail('unreachable', `${current.origin}: ${(error as Error).message}`, error);
  }
}

function request(url: URL, allowPrivate: boolean, signal: AbortSignal): Promise<IncomingMessage> {
  const client = url.protocol === 'https:' ? https : http;
  // A literal private IP never goes through DNS, so it is checked here.
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && isIP(literal) !== 0 && isPrivateAddress(literal))
    return Promise.reject(Object.assign(new Error('private address'), { code: 'EPRIVATE' }));
  return new Promise((resolve, reject) => {
    const req = client.get(url, { lookup: guardedLookup(allowPrivate), signal, headers: { 'user-agent': 'aurgate-sources', accept: '*/*' } });
    req.on('response', resolve);
    req.on('error', reject);
  });
}

async function saveBody(
  response: IncomingMessage,
  target: string,
  options: SourceFetchOptions,
  fail: (failure: 'too-large' | 'unreachable', message: string, cause?: unknown) => SourceError,
): Promise<Omit<FetchedSource, 'finalUrl'>> {
  const sha256 = createHash('sha256');
  const hashes = new Map<string, Hash>(options.digests.map((name) => [name, createHash(name)]));
  const file = createWriteStream(target, { flags: 'wx', mode: 0o644 });
  // A disk error ends the download through the response, so the loop below sees it.
  file.on('error', (error) => response.destroy(error));
  let size = 0;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > options.maxBytes) throw fail('too-large', `over the per-file cap of ${options.maxBytes} bytes`);
      sha256.update(chunk);
      for (const hash of hashes.values()) hash.update(chunk);
      // once() drops its error listener when drain comes; a listener pair per chunk would pile up.
      if (!file.write(chunk)) await once(file, 'drain');
    }
  } catch (error) {
    response.destroy();
    file.destroy();
    throw error instanceof SourceError ? error : fail('unreachable', `transfer failed: ${(error as Error).message}`, error);
  }
  await new Promise<void>((resolve, reject) => file.end((error?: Error | null) => (error ? reject(error) : resolve())));
  const digests = Object.fromEntries([...hashes].map(([name, hash]) => [name, hash.digest('hex')]));
  return { size, sha256: sha256.digest('hex'), digests };
}
