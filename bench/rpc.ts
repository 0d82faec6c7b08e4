import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Aurgate } from '../src/compose.js';
import { startServer } from '../src/http/server.js';
import type { LoadRequest, LoadResult } from './load-client.js';
import { progress, seededRandom, timed } from './processes.js';
import type { Report } from './report.js';
import type { BenchSettings } from './settings.js';

const LOAD_CLIENT = fileURLToPath(new URL('./load-client.ts', import.meta.url));

interface Measured extends LoadResult {
  /**
   * CPU time of this process (which runs nothing but the server under test meanwhile) per request
   * served: unlike req/s it hardly moves when other work shares the machine.
   */
  cpuMicrosPerRequest: number;
}

/** Runs the load generator in its own process and waits for its figures. */
async function runLoad(request: LoadRequest): Promise<Measured> {
  const cpu = process.cpuUsage();
  const child = fork(LOAD_CLIENT, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const result = await new Promise<LoadResult>((resolve, reject) => {
    child.once('message', (message) => resolve(message as LoadResult));
    child.once('exit', (code) => code !== 0 && reject(new Error(`load client exited with code ${code}`)));
    child.send(request);
  });
  const used = process.cpuUsage(cpu);
  return { ...result, cpuMicrosPerRequest: (used.user + used.system) / Math.max(1, result.totalRequests) };
}

/**
 * The request mix AUR helpers send: mostly single-name info lookups (`yay -Si`, `paru -Si`), the
 * rest multi-name info (an upgrade check asks about every installed AUR package at once).
 * Deterministic, so runs compare.
 */
function requestPaths(names: readonly string[], count: number): { path: string; expected: number }[] {
  const random = seededRandom(20240601);
  const pick = (): string => names[Math.floor(random() * names.length)]!;
  const paths = new Map<string, number>();
  for (let attempts = 0; paths.size < count && attempts < count * 20; attempts += 1) {
    const multi = random() < 0.3 && names.length > 1;
    const wanted = new Set(multi ? Array.from({ length: 2 + Math.floor(random() * 9) }, pick) : [pick()]);
    paths.set(`/rpc/?v=5&type=info${[...wanted].map((name) => `&arg[]=${encodeURIComponent(name)}`).join('')}`, wanted.size);
  }
  return [...paths].map(([path, expected]) => ({ path, expected }));
}

interface Fetched {
  body: Buffer;
  headers: Record<string, string>;
}

/**
 * Benchmark 2: RPC info throughput and latency of the in-process aurgate server vs a bare node:http
 * server answering the very same bytes (bodies fetched from aurgate first) for the same URLs, both
 * driven by the same closed-loop generator in a separate process.
 */
export async function benchRpc(shared: Aurgate, root: string, names: readonly string[], settings: BenchSettings, report: Report): Promise<void> {
  // At another log level than the set-up's, the server gets an Aurgate of its own whose log goes to a
  // file, written synchronously like createLogger's stderr (every request logs a line at info).
  const logFile = path.join(root, 'rpc-server.log');
  const app =
    settings.rpcLogLevel === shared.config.logLevel
      ? shared
      : new Aurgate(
          shared.config,
          pino({ level: settings.rpcLogLevel, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: logFile, sync: true })),
        );
  report.note(
    'rpc server log level',
    app === shared ? `${settings.rpcLogLevel} (AURGATE_BENCH_RPC_LOG_LEVEL; aurgate's default is info)` : `${settings.rpcLogLevel}, to ${logFile}`,
  );
  try {
    await measure(app, names, settings, report);
  } finally {
    if (app !== shared) app.close();
  }
}

async function measure(app: Aurgate, names: readonly string[], settings: BenchSettings, report: Report): Promise<void> {
  const started = await timed(() => startServer(app, { schedule: false, port: 0 }));
  const server = started.value;
  report.note('server start-up (start-up repair of served repos) in-process', `${(started.ms / 1000).toFixed(2)} s for ${names.length} packages`);

  const paths = requestPaths(names, settings.rpcDistinctRequests);
  const bodies = new Map<string, Fetched>();
  for (const { path, expected } of paths) {
    const response = await fetch(`${server.url}${path}`);
    const body = Buffer.from(await response.arrayBuffer());
    const count = (JSON.parse(body.toString('utf8')) as { resultcount?: number }).resultcount;
    if (response.status !== 200 || count !== expected)
      throw new Error(`aurgate answered ${path} with ${response.status}, resultcount ${count} (expected ${expected})`);
    const headers: Record<string, string> = {
      'content-type': response.headers.get('content-type') ?? 'application/json',
      'content-length': String(body.length),
    };
    const etag = response.headers.get('etag');
    if (etag) headers['etag'] = etag;
    bodies.set(path, { body, headers });
  }
  const meanBytes = [...bodies.values()].reduce((sum, f) => sum + f.body.length, 0) / bodies.size;
  progress(`rpc: ${paths.length} distinct info URLs (${meanBytes.toFixed(0)} bytes mean body), all answered correctly by aurgate`);

  const baseline = createServer((req, res) => {
    const hit = bodies.get(req.url ?? '');
    if (!hit) return void res.writeHead(404).end();
    res.writeHead(200, hit.headers);
    res.end(hit.body);
  });
  baseline.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => baseline.listen(0, '127.0.0.1', resolve));
  const baselinePort = (baseline.address() as AddressInfo).port;

  const load = (port: number): LoadRequest => ({
    port,
    paths: paths.map((p) => p.path),
    connections: settings.rpcConnections,
    warmupMs: settings.rpcWarmupMs,
    durationMs: settings.rpcDurationMs,
  });
  // Alternating rounds, best of each: a burst of unrelated machine activity then spoils one round only.
  const rounds = 2;
  let best: { aurgate: Measured | null; baseline: Measured | null } = { aurgate: null, baseline: null };
  for (let round = 1; round <= rounds; round += 1) {
    for (const side of ['baseline', 'aurgate'] as const) {
      const result = await runLoad(load(side === 'baseline' ? baselinePort : server.port));
      progress(
        `rpc round ${round} ${side}: ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, server CPU ${result.cpuMicrosPerRequest.toFixed(0)} µs/request, ${result.errors} errors`,
      );
      if (result.errors > 0) throw new Error(`${side} answered ${result.errors} requests with errors under load`);
      const previous = best[side];
      if (!previous || result.requestsPerSecond > previous.requestsPerSecond) best = { ...best, [side]: result };
    }
  }
  await new Promise<void>((resolve) => baseline.close(() => resolve()));
  baseline.closeAllConnections();
  await server.close(1000);

  const a = best.aurgate!;
  const b = best.baseline!;
  const latency = (r: Measured): string =>
    `p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, server CPU ${r.cpuMicrosPerRequest.toFixed(0)} µs/request`;
  report.note(
    'rpc load',
    `${settings.rpcConnections} keep-alive connections, ${settings.rpcWarmupMs} ms warm-up + ${settings.rpcDurationMs} ms measured, load generator in a separate process, best of ${rounds} alternating rounds`,
  );
  report.note('rpc latency aurgate', latency(a));
  report.note('rpc latency baseline (bare node:http, same bodies)', latency(b));
  report.note('rpc server CPU per request, aurgate ÷ baseline (noise-resistant)', `${(a.cpuMicrosPerRequest / b.cpuMicrosPerRequest).toFixed(2)}×`);
  report.throughput('rpc.info', `RPC info req/s, ${names.length} served`, a.requestsPerSecond, b.requestsPerSecond, 'bare node:http', 0.6);
}
