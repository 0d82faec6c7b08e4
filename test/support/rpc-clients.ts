/**
 * Support for the RPC and package-list client tests: a fixture catalog, a real HTTP server for the
 * routers, a raw-socket client that sends requests byte for byte, and the checks each AUR helper's
 * decoder would make (docs/aur-protocol.md, "Which fields each client decodes").
 */
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { expect } from 'vitest';
import type { Catalog, ServedPackage } from '../../src/store/served-catalog.js';
import { listRoutes } from '../../src/serve/lists/index.js';
import { rpcRoutes, type RpcOptions } from '../../src/serve/rpc/index.js';

// ---------------------------------------------------------------------------------------------
// Fixture catalog

let nextId = 1000;
const baseIds = new Map<string, number>();

export function pkg(name: string, fields: Partial<ServedPackage> = {}): ServedPackage {
  const base = fields.PackageBase ?? name;
  if (!baseIds.has(base)) baseIds.set(base, 500 + baseIds.size);
  return {
    ID: nextId++,
    Name: name,
    PackageBase: base,
    PackageBaseID: baseIds.get(base)!,
    Version: '1.0.0-1',
    Description: `${name} package`,
    URL: `https://example.org/${name}`,
    License: ['MIT'],
    Depends: [],
    MakeDepends: [],
    CheckDepends: [],
    OptDepends: [],
    Conflicts: [],
    Provides: [],
    Replaces: [],
    Groups: [],
    NumVotes: 10,
    Popularity: 0.25,
    OutOfDate: null,
    Maintainer: 'alice',
    Submitter: 'alice',
    FirstSubmitted: 1_600_000_000,
    LastModified: 1_700_000_000,
    Keywords: [],
    CoMaintainers: [],
    URLPath: `/cgit/aur.git/snapshot/${base}.tar.gz`,
    commit: 'c'.repeat(40),
    approvedAt: 1_750_000_000,
    ...fields,
  };
}

export const byName = (a: ServedPackage, b: ServedPackage) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0);

export const PACKAGES: ServedPackage[] = [
  pkg('yay', {
    Version: '12.4.2-1',
    Description: 'Yet another yogurt. Pacman wrapper and AUR helper written in go.',
    Depends: ['pacman>6.1', 'git'],
    MakeDepends: ['go>=1.21'],
    Conflicts: ['yay-bin'],
    Maintainer: 'jguer',
    Submitter: 'jguer',
    Keywords: ['aur', 'helper', 'go'],
    License: ['GPL-3.0-or-later'],
    NumVotes: 2500,
    Popularity: 3,
    approvedAt: 1_760_000_000,
  }),
  pkg('yay-bin', { Version: '12.4.2-1', Depends: ['pacman>6.1', 'git'], Provides: ['yay=12.4.2'], Conflicts: ['yay'], Maintainer: 'jguer' }),
  pkg('paru', {
    Version: '2.1.0-1',
    Description: 'Feature packed AUR helper',
    Depends: ['git', 'pacman>=6.1', 'libalpm.so>=15'],
    MakeDepends: ['cargo'],
    OptDepends: ['bat', 'devtools'],
    Maintainer: 'Morganamilo',
    Submitter: 'Morganamilo',
    Popularity: 0,
  }),
  // A split package: two pkgnames, one pkgbase (shared base-level data, URLPath from the pkgbase).
  pkg('pipewire-full', {
    Version: '1:1.4.0-2',
    Depends: ['rtkit', 'libpipewire'],
    MakeDepends: ['meson', 'doxygen'],
    CheckDepends: ['python'],
    Provides: ['pipewire'],
    Conflicts: ['pipewire'],
    Groups: ['pipewire-full-group'],
  }),
  pkg('pipewire-full-alsa', {
    PackageBase: 'pipewire-full',
    Version: '1:1.4.0-2',
    Description: 'ALSA configuration for PipeWire',
    Depends: ['pipewire-full', 'alsa-lib'],
    MakeDepends: ['meson', 'doxygen'],
    CheckDepends: ['python'],
    Provides: ['pipewire-alsa'],
    Groups: ['pipewire-full-group'],
  }),
  // An orphan, flagged out of date.
  pkg('cower', { Maintainer: null, OutOfDate: 1_500_000_000, Submitter: 'falconindy', Depends: ['curl', 'pacman', 'yajl'], Popularity: 0 }),
  pkg('clion', { Version: '1:2026.1-1', Description: 'C and C++ IDE from JetBrains', OptDepends: ['java-runtime', 'gdb'], License: [] }),
  // Arch-merged depends: the generic list plus depends_x86_64, with `nss` in both.
  pkg('spotify', { Version: '1:1.2.50.335-1', Depends: ['alsa-lib>=1.0.14', 'gtk3', 'nss', 'libxss', 'nss', 'openssl'] }),
  pkg('libc++', {
    Version: '19.1.7-1',
    Description: 'LLVM C++ standard library',
    MakeDepends: ['cmake', 'ninja', 'python'],
    CheckDepends: ['python'],
  }),
  pkg('aurutils', { Version: '20.5.8-1', Depends: ['git', 'jq', 'pacutils', 'curl', 'expect'], Keywords: ['aur', 'repository'], Maintainer: 'Alad' }),
  pkg('pikaur', {
    Version: '1.33.2-1',
    Description: 'AUR helper which asks all questions before installing',
    Depends: ['pyalpm', 'git'],
    Maintainer: 'actionless',
  }),
  pkg('downgrade', { Replaces: ['downgrader'], Maintainer: 'pbrisbin', Submitter: 'someone-else', CoMaintainers: ['atreyasha', 'ShadowKyogre'] }),
  pkg('neovim-git', { Description: null, URL: null, Provides: ['neovim=0.11.0', 'vim-plugin-runtime'], Conflicts: ['neovim'] }),
].sort(byName);

export const NAMES = PACKAGES.map((p) => p.Name);

export function mutableCatalog(initial: ServedPackage[]): Catalog & { set(packages: ServedPackage[]): void } {
  let generation = 1;
  let packages = initial;
  return {
    generation: () => generation,
    packages: () => packages,
    set(next) {
      packages = [...next].sort(byName);
      generation++;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP: exact bytes out, unparsed bytes back (no client-side decoding of Content-Encoding)

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  text: string;
}

export async function startServer(catalog: Catalog, options: RpcOptions = {}): Promise<{ server: Server; port: number }> {
  const app = new Hono();
  app.route('/', rpcRoutes(catalog, options));
  app.route('/', listRoutes(catalog));
  // A large header limit so the router's own 414 handling is what answers oversized queries.
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', serverOptions: { maxHeaderSize: 512 * 1024 } }) as Server;
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

export function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    const size = parseInt(body.subarray(at, eol).toString('latin1'), 16);
    if (!size) return Buffer.concat(parts);
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

export function rawExchange(port: number, request: Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      const all = Buffer.concat(chunks);
      const sep = all.indexOf('\r\n\r\n');
      const lines = all.subarray(0, sep).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      let body: Buffer = all.subarray(sep + 4);
      if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
      resolve({ status: Number(lines[0]!.split(' ')[1]), headers, body, text: body.toString('utf8') });
    });
    // No half-close: Node's server drops a pending (async) response once the client sends FIN.
    socket.write(request);
  });
}

/** One request, written exactly as given: method, raw path, headers in order, body. */
export function call(port: number, method: string, path: string, headers: [string, string][] = [], body?: string): Promise<Reply> {
  const head = [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, ...headers.map(([k, v]) => `${k}: ${v}`)];
  if (body !== undefined) head.push(`Content-Length: ${Buffer.byteLength(body)}`);
  head.push('Connection: close', '', '');
  return rawExchange(port, Buffer.concat([Buffer.from(head.join('\r\n'), 'latin1'), Buffer.from(body ?? '', 'utf8')]));
}

// ---------------------------------------------------------------------------------------------
// What each client decodes

export type Json = Record<string, unknown>;
export const LISTS = [
  'Depends',
  'MakeDepends',
  'CheckDepends',
  'OptDepends',
  'Conflicts',
  'Provides',
  'Replaces',
  'Groups',
  'License',
  'Keywords',
  'CoMaintainers',
];
export const SEARCH_KEYS = [
  'Description',
  'FirstSubmitted',
  'ID',
  'LastModified',
  'Maintainer',
  'Name',
  'NumVotes',
  'OutOfDate',
  'PackageBase',
  'PackageBaseID',
  'Popularity',
  'URL',
  'URLPath',
  'Version',
];

export const isU32 = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff;
export const isStrOrNull = (v: unknown) => v === null || typeof v === 'string';
export const isStringList = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string');

export function expectKeysSorted(value: unknown): void {
  if (Array.isArray(value)) return value.forEach(expectKeysSorted);
  if (value === null || typeof value !== 'object') return;
  const keys = Object.keys(value);
  expect(keys).toEqual([...keys].sort());
  Object.values(value).forEach(expectKeysSorted);
}

/** raur 7 `Package`: required ints/strings, nullable optionals, lists and URLPath never null. */
export function expectRaur(env: Json): void {
  expect(typeof env.type).toBe('string');
  expect(Array.isArray(env.results)).toBe(true);
  if ('error' in env) expect(typeof env.error).toBe('string');
  for (const p of env.results as Json[]) {
    for (const k of ['ID', 'PackageBaseID', 'NumVotes']) expect(isU32(p[k]), k).toBe(true);
    for (const k of ['Name', 'PackageBase', 'Version']) expect(typeof p[k], k).toBe('string');
    expect(typeof p.Popularity).toBe('number');
    for (const k of ['FirstSubmitted', 'LastModified']) expect(Number.isInteger(p[k]), k).toBe(true);
    for (const k of ['Description', 'URL', 'Maintainer', 'Submitter']) if (k in p) expect(isStrOrNull(p[k]), k).toBe(true);
    if ('OutOfDate' in p) expect(p.OutOfDate === null || Number.isInteger(p.OutOfDate)).toBe(true);
    if ('URLPath' in p) expect(typeof p.URLPath).toBe('string');
    for (const k of LISTS) if (k in p) expect(isStringList(p[k]), k).toBe(true);
  }
}

/** Jguer/aur `Pkg` + envelope: any wrong JSON type fails the whole decode in Go. */
export function expectJguer(env: Json): void {
  expect(Number.isInteger(env.resultcount)).toBe(true);
  expect(env.version === null || Number.isInteger(env.version)).toBe(true);
  expect(typeof env.type).toBe('string');
  for (const p of env.results as Json[]) {
    for (const k of ['ID', 'PackageBaseID', 'NumVotes', 'FirstSubmitted', 'LastModified']) expect(Number.isInteger(p[k]), k).toBe(true);
    for (const k of ['Name', 'PackageBase', 'Version', 'URLPath']) expect(typeof p[k], k).toBe('string');
    for (const k of ['Description', 'URL', 'Maintainer']) expect(isStrOrNull(p[k]), k).toBe(true);
    expect(typeof p.Popularity).toBe('number');
    expect(p.OutOfDate === null || Number.isInteger(p.OutOfDate)).toBe(true);
    for (const k of LISTS) if (k in p) expect(isStringList(p[k]), k).toBe(true);
  }
}

/** pikaur: any `error` key is an error; Name, PackageBase and Version are required. */
export function expectPikaur(env: Json): void {
  expect('error' in env).toBe(false);
  for (const p of env.results as Json[]) for (const k of ['Name', 'PackageBase', 'Version']) expect(typeof p[k]).toBe('string');
}

export function decode(reply: Reply): Json {
  expect(reply.status).toBe(200);
  expect(reply.headers['content-type']).toBe('application/json');
  const env = JSON.parse(reply.text) as Json;
  expectKeysSorted(env);
  expect(reply.text).not.toMatch(/"(commit|approvedAt)"/);
  return env;
}

export const names = (env: Json) => (env.results as Json[]).map((p) => p.Name).sort();
export const FORM = ['Content-Type', 'application/x-www-form-urlencoded'] as [string, string];
