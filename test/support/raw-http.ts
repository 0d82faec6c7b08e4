import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';

export interface RawAnswer {
  /** The status line's code, or null when the connection closed before a complete status line. */
  status: number | null;
  body: Buffer;
  /** How the exchange ended on our side: a clean close, or a socket error (reset, broken pipe). */
  ended: 'closed' | 'error';
}

/**
 * One HTTP/1.1 request over a plain TCP socket, body written in chunks as the socket accepts them,
 * `Connection: close`, reading everything until the server closes. Unlike fetch it never hides what
 * the server did: an early answer, a reset, a half-read body are all reported as they happened.
 */
export function rawRequest(
  base: string,
  options: { method: string; path: string; headers?: Record<string, string>; body?: Buffer },
): Promise<RawAnswer> {
  const url = new URL(base);
  const body = options.body ?? Buffer.alloc(0);
  const headers = { Host: url.host, Connection: 'close', 'Content-Length': String(body.length), ...options.headers };
  const head = `${options.method} ${options.path} HTTP/1.1\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`;
  return new Promise((resolve) => {
    const received: Buffer[] = [];
    let settled = false;
    const finish = (ended: RawAnswer['ended']): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(parseAnswer(Buffer.concat(received), ended));
    };
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(head);
      let offset = 0;
      const writeMore = (): void => {
        while (offset < body.length && !socket.destroyed) {
          const chunk = body.subarray(offset, offset + 64 * 1024);
          offset += chunk.length;
          if (!socket.write(chunk)) return void socket.once('drain', writeMore);
        }
      };
      writeMore();
    });
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('end', () => finish('closed'));
    socket.on('close', () => finish('closed'));
    socket.on('error', () => finish('error'));
  });
}

function parseAnswer(bytes: Buffer, ended: RawAnswer['ended']): RawAnswer {
  const headEnd = bytes.indexOf('\r\n\r\n');
  const status = /^HTTP\/1\.1 (\d{3}) /.exec(bytes.subarray(0, Math.max(0, headEnd)).toString('latin1'));
  if (headEnd === -1 || !status) return { status: null, body: Buffer.alloc(0), ended };
  const head = bytes.subarray(0, headEnd).toString('latin1');
  const rest = bytes.subarray(headEnd + 4);
  return { status: Number(status[1]), body: /\r\ntransfer-encoding:\s*chunked/i.test(head) ? unchunk(rest) : rest, ended };
}

function unchunk(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at);
    if (lineEnd === -1) break;
    const size = Number.parseInt(bytes.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isInteger(size) || size === 0) break;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** One pkt-line of git's protocol: four hex digits of length (itself included), then the payload. */
export function pkt(line: string): string {
  return `${(Buffer.byteLength(line) + 4).toString(16).padStart(4, '0')}${line}`;
}

const randomId = (): string => randomBytes(20).toString('hex');

export interface HostileClass {
  name: string;
  protocol: 0 | 2;
  /** `head` is a served commit, so a request reaches git's negotiation rather than failing on the id. */
  build(head: string): { body: Buffer; headers: Record<string, string> };
}

const haves = (lines: number): string => Array.from({ length: lines }, () => pkt(`have ${randomId()}\n`)).join('');
const V2 = { 'Git-Protocol': 'version=2' };

/** Upload-pack requests of a few hundred KB up to 1 MB that `git upload-pack` stops reading early. */
export const HOSTILE_CLASSES: readonly HostileClass[] = [
  { name: 'garbage pkt-lines', protocol: 0, build: () => ({ body: randomBytes(400 * 1024), headers: {} }) },
  { name: 'garbage pkt-lines', protocol: 2, build: () => ({ body: randomBytes(400 * 1024), headers: V2 }) },
  {
    name: '20,000 have lines',
    protocol: 0,
    build: (head) => ({ body: Buffer.from(`${pkt(`want ${head} ofs-delta\n`)}0000${haves(20_000)}${pkt('done\n')}`), headers: {} }),
  },
  {
    name: '20,000 have lines',
    protocol: 2,
    build: (head) => ({
      body: Buffer.from(`${pkt('command=fetch\n')}0001${pkt(`want ${head}\n`)}${haves(20_000)}${pkt('done\n')}0000`),
      headers: V2,
    }),
  },
  {
    name: 'a want of an unknown id plus padding',
    protocol: 0,
    build: () => ({ body: Buffer.from(`${pkt(`want ${randomId()} ofs-delta\n`)}0000${haves(8_000)}${pkt('done\n')}`), headers: {} }),
  },
  {
    name: 'a want of an unknown id plus padding',
    protocol: 2,
    build: () => ({
      body: Buffer.from(`${pkt('command=fetch\n')}0001${pkt(`want ${randomId()}\n`)}${haves(8_000)}${pkt('done\n')}0000`),
      headers: V2,
    }),
  },
  {
    name: 'gzipped garbage',
    protocol: 0,
    build: () => ({ body: gzipSync(randomBytes(1024 * 1024)), headers: { 'Content-Encoding': 'gzip' } }),
  },
  {
    name: 'gzipped garbage',
    protocol: 2,
    build: () => ({ body: gzipSync(randomBytes(1024 * 1024)), headers: { 'Content-Encoding': 'gzip', ...V2 } }),
  },
  {
    name: 'ls-refs with an unknown argument plus 1 MB',
    protocol: 2,
    build: () => ({ body: Buffer.from(`${pkt('command=ls-refs\n')}0001${pkt('no-such-argument\n')}${haves(21_000)}0000`), headers: V2 }),
  },
];

const paddings = new Map<number, Buffer>();

/** Ref-prefix lines of random names, about `bytes` long; made once per size and shared. */
function prefixPadding(bytes: number): Buffer {
  let padding = paddings.get(bytes);
  if (!padding) {
    const names = randomBytes(Math.ceil(bytes / 60) * 20).toString('hex');
    const lines: string[] = [];
    for (let offset = 0, size = 0; size < bytes; offset += 40) {
      const line = pkt(`ref-prefix refs/heads/${names.slice(offset, offset + 40)}\n`);
      lines.push(line);
      size += line.length;
    }
    padding = Buffer.from(lines.join(''));
    paddings.set(bytes, padding);
  }
  return padding;
}

/**
 * An ls-refs request git accepts and answers with master, about `bytes` long and distinct from every
 * other (a random prefix first), padded with ref prefixes of random names (git ignores prefixes beyond
 * 65,536 and then lists every ref).
 */
export function largeLsRefs(bytes: number): Buffer {
  const head = [pkt('command=ls-refs\n'), pkt('agent=git/2.39.5\n'), '0001', pkt('peel\n'), pkt('symrefs\n'), pkt('ref-prefix refs/heads/\n')];
  head.push(pkt(`ref-prefix refs/tags/${randomId()}\n`));
  return Buffer.concat([Buffer.from(head.join('')), prefixPadding(bytes), Buffer.from('0000')]);
}
