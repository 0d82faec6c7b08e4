import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTestUser } from './support/accounts.js';
import { Aurgate } from '../src/compose.js';
import { startServer, type RunningServer } from '../src/http/server.js';
import { AdminClient } from './support/admin-client.js';
import { fetchFrom } from './support/fetch-from.js';
import { startAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';

/**
 * The client's address over real sockets: each client binds its own loopback address (all of
 * 127.0.0.0/8 is loopback on Linux), 127.0.0.3 is the trusted reverse proxy, and the server's log is
 * captured, since the log line's address is part of what is tested.
 */
const PASSWORD = 'correct horse battery staple';
const WRONG = 'not the password at all';
const PROXY = '127.0.0.3';
const DEVICE_COOKIE = 'aurgate_device';

let upstream: TestUpstream;
let aurgate: Harness;
let observed: Aurgate;
let server: RunningServer;
const logLines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  upstream = await TestUpstream.start();
  aurgate = await startAurgate({ upstreamUrl: upstream.url, env: { AURGATE_TRUSTED_PROXIES: PROXY } });
  for (const name of ['ann', 'bob', 'cat', 'dan', 'eve']) await addTestUser(aurgate.app.db, { name, role: 'viewer', password: PASSWORD }, 'test');
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  observed = new Aurgate(aurgate.config, pino({ level: 'info' }, sink));
  server = await startServer(observed, { schedule: false, port: 0 });
});

afterAll(async () => {
  await server?.close(1000);
  observed?.close();
  await aurgate?.close();
  await upstream?.stop();
});

/** A browser at `address` (optionally behind the proxy, which adds X-Forwarded-For). */
function clientAt(address: string, forwardedFor?: string): AdminClient {
  return new AdminClient(server.url, fetchFrom(address, forwardedFor === undefined ? {} : { 'X-Forwarded-For': forwardedFor }));
}

function logged(message: string, user: string): Array<Record<string, unknown>> {
  return logLines.filter((line) => line['msg'] === message && line['user'] === user);
}

async function failFiveTimes(client: AdminClient, name: string): Promise<number[]> {
  const statuses: number[] = [];
  for (let attempt = 0; attempt < 5; attempt += 1) statuses.push((await client.login(name, WRONG)).status);
  return statuses;
}

describe('sign-in throttling keys on the real client address', () => {
  it('failures from one address do not lock the same user out at another', async () => {
    expect(await failFiveTimes(clientAt('127.0.0.2'), 'ann')).toEqual([400, 400, 400, 400, 429]);
    expect((await clientAt('127.0.0.2').login('ann', PASSWORD)).status).toBe(429);
    expect((await clientAt('127.0.0.1').login('ann', PASSWORD)).status).toBe(303);

    expect(logged('sign-in failed', 'ann').map((line) => line['ip'])).toEqual(['127.0.0.2', '127.0.0.2', '127.0.0.2', '127.0.0.2']);
    expect(logged('sign-in refused: throttled', 'ann').map((line) => line['ip'])).toEqual(['127.0.0.2', '127.0.0.2']);
    expect(logged('signed in', 'ann').map((line) => line['ip'])).toEqual(['127.0.0.1']);
    const session = aurgate.app.db.prepare("SELECT ip FROM sessions JOIN users ON users.id = sessions.user_id WHERE users.name = 'ann'").get();
    expect(session).toEqual({ ip: '127.0.0.1' });
  });

  it('every request log line carries the client address', async () => {
    await clientAt('127.0.0.5').get('/admin/login');
    const requests = logLines.filter((line) => line['msg'] === 'request' && line['path'] === '/admin/login');
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.every((line) => typeof line['ip'] === 'string' && line['ip'] !== 'unknown')).toBe(true);
    expect(requests.some((line) => line['ip'] === '127.0.0.5')).toBe(true);
  });

  it('behind a trusted proxy, keys on the forwarded client, not on the proxy', async () => {
    expect(await failFiveTimes(clientAt(PROXY, '198.51.100.7'), 'bob')).toEqual([400, 400, 400, 400, 429]);
    expect((await clientAt(PROXY, '198.51.100.7').login('bob', PASSWORD)).status).toBe(429);
    expect((await clientAt(PROXY, '198.51.100.8').login('bob', PASSWORD)).status).toBe(303);
    expect(logged('sign-in failed', 'bob').every((line) => line['ip'] === '198.51.100.7')).toBe(true);
    expect(logged('signed in', 'bob').map((line) => line['ip'])).toEqual(['198.51.100.8']);
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    const statuses: number[] = [];
    for (let attempt = 1; attempt <= 5; attempt += 1) statuses.push((await clientAt('127.0.0.4', `203.0.113.${attempt}`).login('cat', WRONG)).status);
    expect(statuses).toEqual([400, 400, 400, 400, 429]);
    expect((await clientAt('127.0.0.4', '203.0.113.99').login('cat', PASSWORD)).status).toBe(429);
    expect(logged('sign-in failed', 'cat').every((line) => line['ip'] === '127.0.0.4')).toBe(true);
    expect((await clientAt('127.0.0.1').login('cat', PASSWORD)).status).toBe(303);
  });
});

describe('a guesser spread over many addresses', () => {
  it('slows sign-ins to that account from unknown browsers, never from ones it signed in with before', async () => {
    const usual = clientAt('127.0.0.20');
    expect((await usual.login('dan', PASSWORD)).status).toBe(303);
    const deviceCookie = usual.cookies.get(DEVICE_COOKIE);
    expect(deviceCookie).toMatch(/^v1\./);
    const eve = clientAt('127.0.0.43');
    expect((await eve.login('eve', PASSWORD)).status).toBe(303);

    const statuses: number[] = [];
    for (let host = 30; host < 40; host += 1) statuses.push((await clientAt(`127.0.0.${host}`).login('dan', WRONG)).status);
    expect(statuses).toEqual([...Array<number>(9).fill(400), 429]);
    expect(logged('sign-in refused: throttled', 'dan').map((line) => line['rule'])).toEqual(['user-unknown']);

    // A new address is refused even with the right password, and so is one with eve's device cookie.
    const stranger = await clientAt('127.0.0.41').login('dan', PASSWORD);
    expect(stranger.status).toBe(429);
    expect(Number(stranger.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await stranger.text()).toMatch(/browser you have signed in with before/);
    const borrowed = clientAt('127.0.0.44');
    borrowed.cookies.set(DEVICE_COOKIE, eve.cookies.get(DEVICE_COOKIE) ?? '');
    expect((await borrowed.login('dan', PASSWORD)).status).toBe(429);

    // The usual browser (device cookie; its session has ended), the usual address (no cookie) and the
    // device cookie at a new address get in,
    usual.cookies.delete('aurgate_session');
    expect((await usual.login('dan', PASSWORD)).status).toBe(303);
    expect((await clientAt('127.0.0.20').login('dan', PASSWORD)).status).toBe(303);
    const travelling = clientAt('127.0.0.42');
    travelling.cookies.set(DEVICE_COOKIE, deviceCookie ?? '');
    expect((await travelling.login('dan', PASSWORD)).status).toBe(303);
    // while the lock on unknown sources still held (read back, so a slow machine cannot fake a pass),
    const lock = aurgate.app.db.prepare("SELECT locked_until FROM login_failures WHERE key = 'user-unknown:dan'").get() as { locked_until: number };
    expect(lock.locked_until).toBeGreaterThan(Date.now());
    // and another account is not affected by dan's lock.
    expect((await clientAt('127.0.0.41').login('eve', PASSWORD)).status).toBe(303);
  });
});
