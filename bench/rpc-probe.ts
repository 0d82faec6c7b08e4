/**
 * RPC latency probe for bench/serving.ts, in a process of its own so that the git clones the bench
 * runs meanwhile (each spawn blocks the spawning process's event loop) never delay its timing.
 * Requests are due at a fixed rate and timed from when they were due, not from when they were sent:
 * a server that stops answering for a while then shows it in every request due meanwhile, which a
 * client waiting for each answer would hide.
 *
 * Receives a ProbeRequest over IPC, samples until it receives 'stop', answers the sorted latencies.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProbeRequest {
  url: string;
  intervalMs: number;
  /** Requests in flight at most; those due beyond it wait their turn (and their wait counts). */
  connections: number;
}

export interface ProbeResult {
  latenciesMs: number[];
  errors: number;
}

async function sample(request: ProbeRequest, stopped: () => boolean): Promise<ProbeResult> {
  const latenciesMs: number[] = [];
  const waiting: number[] = [];
  let errors = 0;
  let inFlight = 0;
  let drained: () => void = () => undefined;
  const send = (due: number): void => {
    inFlight += 1;
    void fetch(request.url)
      .then(async (response) => {
        await response.arrayBuffer();
        if (response.status !== 200) errors += 1;
        else latenciesMs.push(performance.now() - due);
      })
      .catch(() => (errors += 1))
      .finally(() => {
        inFlight -= 1;
        const next = waiting.shift();
        if (next !== undefined) send(next);
        else if (inFlight === 0) drained();
      });
  };
  const start = performance.now();
  for (let index = 0; !stopped(); index += 1) {
    const due = start + index * request.intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    if (inFlight < request.connections) send(due);
    else waiting.push(due);
  }
  waiting.length = 0;
  if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
  return { latenciesMs: latenciesMs.sort((a, b) => a - b), errors };
}

let stop = false;
process.on('message', (message) => {
  if (message === 'stop') return void (stop = true);
  void sample(message as ProbeRequest, () => stop).then((result) => process.send?.(result, () => process.exit(0)));
});
