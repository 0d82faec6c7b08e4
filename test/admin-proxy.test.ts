import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientIp } from '../src/http/client-address.js';
import { loadConfig } from '../src/config.js';

let server: ServerType;
let url: string;

beforeAll(async () => {
  const app = new Hono();
  app.get('/ip', (c) => c.text(clientIp(c, (c.req.query('trusted') ?? '').split(',').filter(Boolean))));
  server = await new Promise((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const ip = async (trusted: string, forwardedFor?: string) =>
  (await fetch(`${url}/ip?trusted=${trusted}`, { headers: forwardedFor ? { 'X-Forwarded-For': forwardedFor } : {} })).text();

describe('the client address behind reverse proxies (sign-in throttling is per address)', () => {
  it('ignores X-Forwarded-For from a peer that is not a trusted proxy: anyone can send it', async () => {
    expect(await ip('', '198.51.100.7')).toBe('127.0.0.1');
    expect(await ip('10.0.0.1', '198.51.100.7')).toBe('127.0.0.1');
  });

  it('behind a trusted proxy, takes the rightmost address that is not a trusted proxy', async () => {
    expect(await ip('127.0.0.1', '198.51.100.7')).toBe('198.51.100.7');
    expect(await ip('127.0.0.1,10.0.0.2', '203.0.113.5, 198.51.100.7, 10.0.0.2')).toBe('198.51.100.7');
    expect(await ip('127.0.0.1')).toBe('127.0.0.1');
    expect(await ip('127.0.0.0/8,10.0.0.0/8', '203.0.113.5, 198.51.100.7, 10.1.2.3')).toBe('198.51.100.7');
    expect(await ip('127.0.0.1', '::ffff:198.51.100.7')).toBe('198.51.100.7');
  });

  it('falls back to the peer when the chain holds something that is not an address', async () => {
    // Else a client could pick a fresh throttling key per attempt by writing anything there.
    expect(await ip('127.0.0.1', 'anything-at-all')).toBe('127.0.0.1');
    expect(await ip('127.0.0.0/8', 'fresh-key-1, 127.0.0.9')).toBe('127.0.0.1');
  });

  it('AURGATE_TRUSTED_PROXIES takes a comma-separated list of addresses', () => {
    expect(loadConfig({ AURGATE_TRUSTED_PROXIES: '172.18.0.2, ::1' }).trustedProxies).toEqual(['172.18.0.2', '::1']);
    expect(loadConfig({}).trustedProxies).toEqual([]);
    expect(loadConfig({ AURGATE_TRUSTED_PROXIES: '172.16.0.0/12' }).trustedProxies).toEqual(['172.16.0.0/12']);
    expect(() => loadConfig({ AURGATE_TRUSTED_PROXIES: 'caddy' })).toThrow(/AURGATE_TRUSTED_PROXIES: must be a comma-separated list of IP addresses/);
    expect(() => loadConfig({ AURGATE_TRUSTED_PROXIES: '10.0.0.0/33' })).toThrow(/AURGATE_TRUSTED_PROXIES/);
  });
});
