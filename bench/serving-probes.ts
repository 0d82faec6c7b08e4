import { fork, type ChildProcess } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runGit, timed } from './processes.js';
import type { ProbeRequest, ProbeResult } from './rpc-probe.js';

const PROBE = fileURLToPath(new URL('./rpc-probe.ts', import.meta.url));
/** One RPC request due every this many ms, at most this many in flight (see bench/rpc-probe.ts). */
const RPC_INTERVAL_MS = 5;
const RPC_CONNECTIONS = 16;

export interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** What clients saw over one span of time: every RPC and clone latency, and the server's loop delay. */
export interface Samples {
  rpcMs: number[];
  rpcErrors: number;
  cloneMs: number[];
  loop: LoopDelay;
}

export interface Percentiles {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
  return { count: sorted.length, p50: at(50), p99: at(99), max: sorted.at(-1) ?? NaN };
}

/** The server under test: its process (which answers 'reset' and 'read' with its loop delay) and URL. */
export interface ServingProcess {
  child: ChildProcess;
  url: string;
}

function loopDelay(server: ChildProcess): Promise<LoopDelay> {
  return new Promise((resolve) => {
    server.once('message', (message) => resolve(message as LoopDelay));
    server.send('read');
  });
}

/** Starts the RPC probe process; stop() ends sampling and returns the latencies. */
function startProbe(request: ProbeRequest): { stop: () => Promise<ProbeResult> } {
  const child = fork(PROBE, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const result = new Promise<ProbeResult>((resolve, reject) => {
    child.once('message', (message) => resolve(message as ProbeResult));
    child.once('exit', (code) => code !== 0 && reject(new Error(`the RPC probe exited with code ${code}`)));
  });
  child.send(request);
  return { stop: () => (child.send('stop'), result) };
}

/** One clone after another, round the served packages, until `until` settles; each clone's wall time. */
async function cloneLoop(url: string, pkgbases: readonly string[], dir: string, until: Promise<unknown>): Promise<number[]> {
  let done = false;
  void until.finally(() => (done = true));
  const times: number[] = [];
  await mkdir(dir, { recursive: true });
  for (let index = 0; !done; index += 1) {
    const pkgbase = pkgbases[index % pkgbases.length] ?? '';
    const target = path.join(dir, `${pkgbase}-${index}`);
    times.push((await timed(() => runGit(['clone', '--quiet', `${url}/${pkgbase}.git`, target], dir))).ms);
    await rm(target, { recursive: true, force: true });
  }
  return times;
}

/**
 * The RPC probe (its own process) and a clone loop (git processes started from here) side by side
 * until `until` settles, and the server's event-loop delay over the same span.
 */
export async function sampleClients(server: ServingProcess, served: readonly string[], dir: string, until: Promise<unknown>): Promise<Samples> {
  server.child.send('reset');
  const probe = startProbe({ url: `${server.url}/rpc/v5/info?arg[]=${served[0]}`, intervalMs: RPC_INTERVAL_MS, connections: RPC_CONNECTIONS });
  const cloneMs = await cloneLoop(
    server.url,
    served,
    dir,
    until.catch(() => undefined),
  );
  const rpc = await probe.stop();
  return { rpcMs: rpc.latenciesMs, rpcErrors: rpc.errors, cloneMs, loop: await loopDelay(server.child) };
}

/** Clients' samples over an idle span of `ms`. */
export const sampleIdle = (server: ServingProcess, served: readonly string[], dir: string, ms: number): Promise<Samples> =>
  sampleClients(server, served, dir, new Promise((resolve) => setTimeout(resolve, ms)));
