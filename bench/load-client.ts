/**
 * A closed-loop HTTP/1.1 keep-alive load generator, run as its own process (forked by bench/rpc.ts)
 * so it never shares a core's event loop with the server it measures. It writes prebuilt request
 * bytes on raw sockets and parses only the status line, Content-Length and chunked framing: node's
 * http client costs several times more CPU per request than that, and on a 2-core machine the
 * generator's cost would cap both the baseline and aurgate and hide the difference between them.
 *
 * Receives a LoadRequest over IPC, answers a LoadResult, exits.
 */
import { connect, type Socket } from 'node:net';

export interface LoadRequest {
  port: number;
  paths: string[];
  connections: number;
  warmupMs: number;
  durationMs: number;
}

export interface LoadResult {
  requests: number;
  /** Every completed request, warm-up included (to divide the server's CPU time by). */
  totalRequests: number;
  errors: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');

/** Bytes of one complete response at the start of buf, or 0 while incomplete. Sets status via callback. */
function responseLength(buf: Buffer, onStatus: (status: number) => void): number {
  const headEnd = buf.indexOf(HEADER_END);
  if (headEnd < 0) return 0;
  const head = buf.toString('latin1', 0, headEnd);
  const bodyStart = headEnd + 4;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  let total: number;
  if (length) {
    total = bodyStart + Number(length[1]);
    if (buf.length < total) return 0;
  } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    let at = bodyStart;
    for (;;) {
      const lineEnd = buf.indexOf(CRLF, at);
      if (lineEnd < 0) return 0;
      const size = Number.parseInt(buf.toString('latin1', at, lineEnd), 16);
      at = lineEnd + 2 + size + 2;
      if (buf.length < at) return 0;
      if (size === 0) break;
    }
    total = at;
  } else {
    total = bodyStart; // 204/304: no body
  }
  onStatus(Number(head.slice(9, 12)));
  return total;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
}

async function run(config: LoadRequest): Promise<LoadResult> {
  const requests = config.paths.map((p) =>
    Buffer.from(`GET ${p} HTTP/1.1\r\nHost: 127.0.0.1:${config.port}\r\nUser-Agent: aurgate-bench\r\nAccept: */*\r\n\r\n`),
  );
  let next = 0;
  let latencies = new Float64Array(1 << 16);
  let measured = 0;
  let completed = 0;
  let errors = 0;
  const sockets = await Promise.all(
    Array.from(
      { length: config.connections },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect(config.port, '127.0.0.1', () => resolve(socket));
          socket.setNoDelay(true);
          socket.once('error', reject);
        }),
    ),
  );
  const start = performance.now();
  const measureFrom = start + config.warmupMs;
  const measureUntil = measureFrom + config.durationMs;

  await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((finish) => {
          let buffer: Buffer = Buffer.alloc(0);
          let sentAt = 0;
          let status = 0;
          const send = (): void => {
            sentAt = performance.now();
            if (sentAt >= measureUntil) return void (socket.destroy(), finish());
            socket.write(requests[next++ % requests.length]!);
          };
          socket.on('data', (chunk: Buffer) => {
            buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
            const length = responseLength(buffer, (s) => (status = s));
            if (length === 0) return;
            buffer = buffer.subarray(length);
            const now = performance.now();
            completed += 1;
            if (status !== 200) errors += 1;
            if (now >= measureFrom && now < measureUntil) {
              if (measured === latencies.length) {
                const grown = new Float64Array(latencies.length * 2);
                grown.set(latencies);
                latencies = grown;
              }
              latencies[measured++] = now - sentAt;
            }
            send();
          });
          socket.removeAllListeners('error');
          socket.on('error', () => ((errors += 1), finish()));
          socket.on('close', () => finish());
          send();
        }),
    ),
  );

  const sorted = latencies.subarray(0, measured).sort();
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    requests: measured,
    totalRequests: completed,
    errors,
    requestsPerSecond: measured / (config.durationMs / 1000),
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    meanMs: measured === 0 ? NaN : sum / measured,
  };
}

process.once('message', (message) => {
  run(message as LoadRequest).then(
    (result) => process.send?.(result, () => process.exit(0)),
    (error: unknown) => {
      process.stderr.write(`load client failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
});
