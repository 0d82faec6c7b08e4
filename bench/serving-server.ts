/**
 * `aurgate serve` for bench/serving.ts, as its own process: the same startServer as the CLI, with
 * the sync placed as argv[2] says ('worker', the default, or 'in-process', the old behaviour), which
 * the CLI offers no flag for. It also measures its own event-loop delay, which is what a sync on the
 * serving loop costs clients, and reports it over IPC when asked.
 *
 * argv: <worker|in-process>. Configuration from the environment, as the CLI reads it. Sends
 * { url } once serving; answers 'reset' and 'read' (→ { p50Ms, p99Ms, maxMs }); stops on SIGTERM.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { readConfig } from '../src/config.js';
import { Aurgate } from '../src/compose.js';
import { createLogger } from '../src/log.js';
import { startServer } from '../src/http/server.js';

const placement = process.argv[2];
if (placement !== 'worker' && placement !== 'in-process') throw new Error('usage: serving-server.ts <worker|in-process>');
const { config } = readConfig();
const app = new Aurgate(config, createLogger(config.logLevel, { process: 'server' }));
const server = await startServer(app, { schedule: false, port: 0, syncIn: placement });
const delay = monitorEventLoopDelay({ resolution: 5 });
delay.enable();

process.on('message', (message) => {
  if (message === 'reset') return delay.reset();
  if (message === 'read') process.send?.({ p50Ms: delay.percentile(50) / 1e6, p99Ms: delay.percentile(99) / 1e6, maxMs: delay.max / 1e6 });
});
process.once('SIGTERM', () => {
  void server.close(5000).then(() => {
    app.close();
    process.exit(0);
  });
});
process.send?.({ url: server.url });
