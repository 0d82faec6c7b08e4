/**
 * A reference point between git daemon and aurgate: the smallest node:http server that speaks git
 * smart HTTP the way aurgate does (one `git upload-pack --stateless-rpc` per request, Git-Protocol
 * passed through), with no framework, no lookups and no web streams. Run as its own small process
 * (forked by bench/clones.ts). Comparing it with git daemon shows what HTTP and node's spawn cost by
 * themselves; comparing aurgate with it shows what aurgate adds on top.
 *
 * argv: <servedRoot>. Sends { port } over IPC once listening.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createGunzip } from 'node:zlib';

const [servedRoot] = process.argv.slice(2);
if (!servedRoot) throw new Error('usage: minimal-git-http.ts <servedRoot>');
const ROUTE = /^\/([a-z0-9][a-z0-9.+_-]*?)(?:\.git)?\/(info\/refs|git-upload-pack)(?:\?.*)?$/;

const server = createServer((req, res) => {
  const match = ROUTE.exec(req.url ?? '');
  if (!match) return void res.writeHead(404).end();
  const advertise = match[2] === 'info/refs';
  const repo = path.join(servedRoot, `${match[1]}.git`);
  const protocol = req.headers['git-protocol'];
  const env = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? '/tmp',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    ...(typeof protocol === 'string' ? { GIT_PROTOCOL: protocol } : {}),
  };
  const args = ['upload-pack', '--stateless-rpc', ...(advertise ? ['--advertise-refs'] : []), repo];
  const child = spawn('git', args, { cwd: repo, env, stdio: ['pipe', 'pipe', 'ignore'] });
  const type = advertise ? 'application/x-git-upload-pack-advertisement' : 'application/x-git-upload-pack-result';
  res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-cache' });
  if (advertise && !(typeof protocol === 'string' && protocol.includes('version=2'))) res.write('001e# service=git-upload-pack\n0000');
  child.stdin.on('error', () => undefined);
  if (advertise) child.stdin.end();
  else if (req.headers['content-encoding'] === 'gzip') req.pipe(createGunzip()).pipe(child.stdin);
  else req.pipe(child.stdin);
  child.stdout.pipe(res);
});

server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
