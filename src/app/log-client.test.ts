import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInput, UpstreamError } from '../errors.js';
import { rawPublicKey } from '../trust/ed25519.js';
import { TamperedError } from '../trust/errors.js';
import { formatVerifierKey } from '../trust/signed-note.js';
import { defaultStateFile, RemoteLog } from './log-client.js';

/** A hostile log server on 127.0.0.1: each path answers something a verifier must refuse. */
let server: Server;
let base: string;
const keyLine = (origin: string) => formatVerifierKey(origin, rawPublicKey(generateKeyPairSync('ed25519').privateKey));

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/huge/log/checkpoint') return res.end(Buffer.alloc(200_000, 'a'));
    if (req.url === '/down/log/checkpoint') return res.writeHead(502).end('bad gateway');
    if (req.url?.startsWith('/junk/log/proof/')) return res.end('{"proof":["not base64"]}');
    if (req.url === '/forged/log/checkpoint')
      return res.end(
        'example.org\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— example.org AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n',
      );
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('RemoteLog', () => {
  it('pins exactly one log origin', () => {
    expect(() => new RemoteLog(base, `${keyLine('a.example')}\n${keyLine('b.example')}\n`)).toThrow(InvalidInput);
    expect(() => new RemoteLog('file:///etc/passwd', keyLine('a.example'))).toThrow(InvalidInput);
    expect(new RemoteLog(`${base}/`, `# pinned\n${keyLine('a.example')}\n`).origin).toBe('a.example');
  });

  it('refuses oversized, unsigned and malformed answers, and tells an unreachable server apart', async () => {
    await expect(new RemoteLog(`${base}/huge`, keyLine('example.org')).checkpoint()).rejects.toThrow(/sent more than 65536 bytes/);
    await expect(new RemoteLog(`${base}/down`, keyLine('example.org')).checkpoint()).rejects.toBeInstanceOf(UpstreamError);
    await expect(new RemoteLog(`${base}/forged`, keyLine('example.org')).checkpoint()).rejects.toBeInstanceOf(TamperedError);
    await expect(new RemoteLog(`${base}/junk`, keyLine('example.org')).inclusionProof(0, 1)).rejects.toThrow(/is not a proof/);
    expect(await new RemoteLog(base, keyLine('example.org')).attestationLines('pkg', 'a'.repeat(40))).toEqual([]);
  });

  it('keeps its state per origin under XDG_STATE_HOME, else ~/.local/state', () => {
    expect(defaultStateFile('aur.example.org:8443/x', { XDG_STATE_HOME: '/s' })).toBe('/s/aurgate/aur.example.org_8443_x.checkpoint.json');
    expect(defaultStateFile('aur.example.org', { HOME: '/home/ci' })).toBe('/home/ci/.local/state/aurgate/aur.example.org.checkpoint.json');
  });
});
