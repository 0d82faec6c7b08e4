/**
 * A real OpenID Connect provider (oidc-provider 8) in its own process, for the single sign-on tests:
 * `node --import tsx oidc-provider-process.ts <config.json>`. It listens on 127.0.0.1 on a port of
 * its choosing and prints one JSON line, {"issuer": "http://127.0.0.1:<port>"}, when it serves.
 *
 * The config file names the one client ({clientId, clientSecret, redirectUri}) and the accounts:
 * {"accounts": {"<login>": {"name": …, "email": …, "groups": [...]}}}. Accounts are read from the file
 * at every lookup, so a test changes someone's groups or name by rewriting it. Sign-in and consent are
 * the provider's own pages (devInteractions): any password is accepted for a login the file lists.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import Provider, { type Account } from 'oidc-provider';

interface TestAccount {
  name?: string;
  email?: string;
  groups?: string[];
}

interface ProviderFile {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  accounts: Record<string, TestAccount>;
}

const file = process.argv[2];
if (!file) throw new Error('usage: oidc-provider-process.ts <config.json>');
const read = (): ProviderFile => JSON.parse(readFileSync(file, 'utf8')) as ProviderFile;

async function findAccount(_ctx: unknown, id: string): Promise<Account | undefined> {
  const account = read().accounts[id];
  if (!account) return undefined;
  return {
    accountId: id,
    // Read again for every token and userinfo answer: what the file says now is what the provider asserts.
    claims: () => {
      const current = read().accounts[id] ?? {};
      return { sub: id, name: current.name, preferred_username: id, email: current.email, groups: current.groups ?? [] };
    },
  };
}

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  const issuer = `http://127.0.0.1:${port}`;
  const config = read();
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: config.clientId,
        client_secret: config.clientSecret,
        redirect_uris: [config.redirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    findAccount,
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'], groups: ['groups'] },
    scopes: ['openid', 'profile', 'email', 'groups'],
    cookies: { keys: ['aurgate-test-provider-cookie-key'] },
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
  });
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
