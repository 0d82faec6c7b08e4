import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD, account } from './support/accounts.js';
import { startAurgate, type Harness } from './support/harness.js';
import { TestUpstream } from './support/upstream.js';

/**
 * Single sign-on settings without a browser: the sign-in page with password sign-in turned off, the
 * refusals of passwords, and an identity provider that cannot be used. The provider here is a plain
 * HTTP server that answers nothing useful (aurgate asks it only at the first sign-in).
 */
let upstream: TestUpstream;
let aurgate: Harness;
let broken: Server;
let url: string;

beforeAll(async () => {
  broken = createServer((_request, response) => response.writeHead(500).end('not a provider'));
  await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
  const { port } = broken.address() as { port: number };
  upstream = await TestUpstream.start();
  aurgate = await startAurgate({
    upstreamUrl: upstream.url,
    env: {
      AURGATE_LOCAL_SIGN_IN: 'false',
      AURGATE_OIDC_ISSUER: `http://127.0.0.1:${port}`,
      AURGATE_OIDC_CLIENT_ID: 'aurgate',
      AURGATE_OIDC_CLIENT_SECRET: 'secret',
      AURGATE_OIDC_PROVIDER_NAME: 'Corp <SSO>',
      AURGATE_OIDC_ROLE_MAP: '{"reviewer": "packagers"}',
    },
  });
  await account(aurgate.app, 'ada', 'admin');
  url = await aurgate.serve();
});

afterAll(async () => {
  await aurgate?.close();
  await upstream?.stop();
  await new Promise((resolve) => broken?.close(resolve));
});

describe('single sign-on settings', () => {
  it('shows only "Sign in with <provider>", escaped, when password sign-in is off', async () => {
    const page = await (await fetch(`${url}/admin/login`)).text();
    expect(page).toContain('Sign in with Corp &lt;SSO&gt;');
    expect(page).toContain('href="/admin/sso/start?next=%2Fadmin"');
    expect(page).not.toContain('type="password"');
  });

  it('refuses a password sign-in on the web and a password decision on the command line', async () => {
    const response = await fetch(`${url}/admin/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url },
      body: new URLSearchParams({ name: 'ada', password: TEST_PASSWORD }),
      redirect: 'manual',
    });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('Password sign-in is turned off here');
    expect(response.headers.get('set-cookie') ?? '').not.toContain('aurgate_session=');

    const cli = await aurgate.cli(['approve', 'hello', '--commit', 'a'.repeat(40), '--reviewer', 'ada'], {}, `${TEST_PASSWORD}\n`);
    expect(cli.code).toBe(7);
    expect(cli.stderr).toContain('password sign-in is turned off (AURGATE_LOCAL_SIGN_IN=false)');
  });

  it('answers 502, naming the provider as the problem, when the provider cannot be used', async () => {
    const response = await fetch(`${url}/admin/sso/start`, { redirect: 'manual' });
    expect(response.status).toBe(502);
    expect(await response.text()).toContain('Single sign-on failed: the identity provider could not be used');
    expect(response.headers.get('set-cookie') ?? '').not.toContain('aurgate_sso=');
  });

  it('refuses a callback without the flow cookie before asking the provider anything', async () => {
    const response = await fetch(`${url}/admin/sso/callback?code=stolen&state=${'s'.repeat(43)}`, { redirect: 'manual' });
    expect(response.status).toBe(401);
    expect(await response.text()).toContain('the sign-in expired or was started in another browser');
  });
});
