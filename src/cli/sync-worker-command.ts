import type { Command } from 'commander';
import { Aurgate } from '../compose.js';
import { exitCodeFor } from '../error-mapping.js';
import { describeError, InvalidInput } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { failureMessage, runRequestSchema, type RunRequest, type WorkerMessage } from '../sync/worker-protocol.js';
import type { CliIo } from './io.js';

/** Sends one message to the server; resolves once it is handed to the channel (or the channel is gone). */
function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || !process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

/** The server's one request; the worker waits for nothing else. */
function receiveRequest(): Promise<RunRequest> {
  return new Promise((resolve, reject) => {
    const onDisconnect = (): void => reject(new InvalidInput('sync-worker: the server hung up before sending its request'));
    process.once('disconnect', onDisconnect);
    process.once('message', (raw: unknown) => {
      process.off('disconnect', onDisconnect);
      const parsed = runRequestSchema.safeParse(raw);
      if (parsed.success) resolve(parsed.data);
      else reject(new InvalidInput(`sync-worker: not a sync request: ${parsed.error.message.slice(0, 500)}`));
    });
  });
}

/**
 * A worker whose server is gone (killed, crashed) stops: a sync nobody waits for is not worth
 * finishing, and it is crash-safe. SIGTERM to its own process group ends the git processes it
 * started as well (the server started it as the leader of that group).
 */
function stopWithServer(logger: Logger): () => void {
  const onDisconnect = (): void => {
    logger.warn('sync-worker: the server is gone; stopping the sync');
    try {
      process.kill(-process.pid, 'SIGTERM');
    } catch {
      process.kill(process.pid, 'SIGTERM'); // not a group leader (started by something else): itself only
    }
  };
  process.once('disconnect', onDisconnect);
  return () => process.off('disconnect', onDisconnect);
}

/**
 * `aurgate sync-worker`, internal: the process `aurgate serve` starts for each sync (see
 * src/scheduler/sync-worker-process.ts). It runs the same sync use case as `aurgate sync`
 * (notifications and risk assessment included), with the server's configuration, and reports the
 * start, progress, events and the outcome over IPC.
 */
async function runSyncWorker(io: CliIo): Promise<void> {
  if (!process.send) throw new InvalidInput('sync-worker is internal: aurgate serve starts it with an IPC channel');
  const request = await receiveRequest();
  const config = Object.freeze(request.config);
  const logger = createLogger(config.logLevel, { process: 'sync-worker' }, io.logDestination);
  const release = stopWithServer(logger);
  let app: Aurgate | undefined;
  try {
    app = new Aurgate(config, logger);
    const summary = await app.sync({
      ...request.options,
      onStarted: (runId) => void send({ type: 'started', runId }),
      onEvent: (event) => void send({ type: 'event', event }),
      ...(request.progress
        ? { onProgress: (done: number, total: number, pkgbase: string) => void send({ type: 'progress', done, total, pkgbase }) }
        : {}),
    });
    await send({ type: 'summary', summary });
  } catch (error) {
    await send(failureMessage(error, describeError));
    io.exitCode = exitCodeFor(error);
  } finally {
    app?.close();
    release();
    if (process.connected) process.disconnect();
  }
}

export function registerSyncWorkerCommand(program: Command, io: CliIo): void {
  program
    .command('sync-worker', { hidden: true })
    .description('internal: one sync for aurgate serve, reported over IPC')
    .action(() => runSyncWorker(io));
}
