import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fetchSourceFile, isPrivateAddress } from './source-fetch.js';

describe('isPrivateAddress', () => {
  it('refuses the server’s own networks, IPv4-mapped forms included', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      'not-an-ip',
    ])
      expect(isPrivateAddress(address), address).toBe(true);
  });
  it('lets public addresses through', () => {
    for (const address of ['93.184.216.34', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '172.32.0.1'])
      expect(isPrivateAddress(address), address).toBe(false);
  });
});

describe('fetchSourceFile', () => {
  it('writes a file that arrives faster than the disk takes it without piling up listeners', async () => {
    // Many chunks, each over the file stream's buffer: every write waits for a drain.
    const body = Buffer.alloc(4 * 1024 * 1024, 7);
    const server = createServer((_req, res) => res.writeHead(200, { 'Content-Length': body.length }).end(body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const dir = await mkdtemp(path.join(tmpdir(), 'aurgate-source-fetch-'));
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/big.tar`;
      const options = {
        maxBytes: body.length,
        timeoutMs: 60_000,
        maxRedirects: 0,
        allowPrivate: true,
        digests: [],
        pkgbase: 'p',
        filename: 'big.tar',
      };
      const fetched = await fetchSourceFile(url, path.join(dir, 'big.tar'), options);
      expect(fetched.sha256).toBe(createHash('sha256').update(body).digest('hex'));
      expect((await readFile(path.join(dir, 'big.tar'))).equals(body)).toBe(true);
      // Warnings are emitted on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((warning) => warning.startsWith('MaxListenersExceededWarning'))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
