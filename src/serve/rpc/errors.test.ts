import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Busy, StorageError } from '../../errors.js';
import type { Catalog } from '../../store/served-catalog.js';
import { rpcRoutes } from './index.js';

function failingCatalog(error: Error): Catalog {
  return {
    generation: () => 1,
    packages: () => {
      throw error;
    },
  };
}

function capturingLogger(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: 'error' }, sink), lines };
}

describe('RPC errors', () => {
  it('answers a failure of our own as an AUR error object with status 500, logged and not described', async () => {
    const { logger, lines } = capturingLogger();
    const app = rpcRoutes(failingCatalog(new StorageError('database disk image is malformed at /srv/aurgate/aurgate.db')), { logger });
    const res = await app.request('/rpc/v5/info/yay');
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ error: 'internal error', resultcount: 0, results: [], type: 'error', version: null });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      msg: 'rpc request failed',
      path: '/rpc/v5/info/yay',
      err: { message: expect.stringContaining('malformed') },
    });
  });

  it('answers a domain error with its mapped status and message, in the AUR shape', async () => {
    const { logger, lines } = capturingLogger();
    const app = rpcRoutes(failingCatalog(new Busy('the catalog is being rebuilt')), { logger });
    const res = await app.request('/rpc?v=5&type=info&arg[]=yay');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: 'the catalog is being rebuilt', resultcount: 0, results: [], type: 'error', version: null });
    expect(lines).toEqual([]);
  });
});
