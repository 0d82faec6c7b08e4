/**
 * The benchmark's upstream AUR, run as its own process (forked by bench/upstream.ts) so that proxying
 * git traffic never competes with aurgate for the benchmark process's event loop. Git goes through
 * the real `git http-backend` (CGI), as on the AUR; RPC v5 `info` is answered from a precomputed map,
 * because test/support/upstream.ts reads every repo's .SRCINFO with one git process per package on
 * every RPC request, which at 1000 packages would measure the test upstream instead of aurgate.
 *
 * argv: <reposDir> <rpc.json>. Sends { port } over IPC once listening.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeCgiResponse } from '../test/support/cgi.js';

const [reposDir, rpcFile] = process.argv.slice(2);
if (!reposDir || !rpcFile) throw new Error('usage: upstream-server.ts <reposDir> <rpc.json>');
const results = new Map(Object.entries(JSON.parse(readFileSync(rpcFile, 'utf8')) as Record<string, string>));
const children = new Set<ChildProcess>();

/** nginx's route on the AUR: optional `.git`, then a smart-HTTP path. */
const GIT_PATH = /^\/([a-z0-9][a-z0-9.+_-]*?)(?:\.git)?\/(info\/refs|git-upload-pack)$/;

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** `info`/`multiinfo` only: that is all aurgate's sync sends (src/upstream/rpc-client.ts). */
function answerRpc(query: string, res: ServerResponse): void {
  const args: string[] = [];
  let type = '';
  for (const part of query.split('&')) {
    const equals = part.indexOf('=');
    const key = decode(equals < 0 ? part : part.slice(0, equals));
    const value = equals < 0 ? '' : decode(part.slice(equals + 1));
    if (key === 'arg[]' || key === 'arg') args.push(value);
    else if (key === 'type') type = value;
  }
  if (type !== 'info' && type !== 'multiinfo') {
    return send(
      res,
      200,
      'application/json',
      '{"error":"Incorrect request type specified.","resultcount":0,"results":[],"type":"error","version":5}',
    );
  }
  const found = [...new Set(args)].flatMap((name) => results.get(name) ?? []);
  send(res, 200, 'application/json', `{"resultcount":${found.length},"results":[${found.join(',')}],"type":"multiinfo","version":5}`);
}

function serveGit(req: IncomingMessage, res: ServerResponse, url: URL, pathInfo: string): void {
  const header = (variable: string, name: string): Record<string, string> => {
    const value = req.headers[name];
    return typeof value === 'string' ? { [variable]: value } : {};
  };
  const env = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? '/tmp',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_PROJECT_ROOT: reposDir as string,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: pathInfo,
    QUERY_STRING: url.search.slice(1),
    REQUEST_METHOD: req.method ?? 'GET',
    GATEWAY_INTERFACE: 'CGI/1.1',
    REMOTE_ADDR: '127.0.0.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    ...header('CONTENT_TYPE', 'content-type'),
    ...header('CONTENT_LENGTH', 'content-length'),
    ...header('HTTP_CONTENT_ENCODING', 'content-encoding'),
    ...header('GIT_PROTOCOL', 'git-protocol'),
  };
  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'ignore'] });
  children.add(child);
  child.once('close', () => children.delete(child));
  child.stdin.on('error', () => undefined); // the backend may exit before reading the whole body
  req.pipe(child.stdin);
  res.once('close', () => child.exitCode === null && child.kill('SIGKILL'));
  pipeCgiResponse(child.stdout, res);
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://upstream');
  if (url.pathname === '/rpc' || url.pathname === '/rpc/') return answerRpc(url.search.slice(1), res);
  const git = GIT_PATH.exec(url.pathname);
  if (git) return serveGit(req, res, url, `/${git[1]}.git/${git[2]}`);
  send(res, 404, 'text/plain', 'Not Found');
});

server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
process.on('SIGTERM', () => {
  for (const child of children) child.kill('SIGKILL');
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
