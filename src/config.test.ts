import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig, readConfig, type Config, type LogLevel } from './config.js';
import { editDistance } from './config-warnings.js';
import { InvalidInput } from './errors.js';

/** The documented variables are a contract (README): none may disappear or change its name. */
const CONTRACT_VARIABLES = [
  'AURGATE_DATA_DIR',
  'AURGATE_UPSTREAM_URL',
  'AURGATE_HOST',
  'AURGATE_PORT',
  'AURGATE_PUBLIC_URL',
  'AURGATE_SYNC_SCHEDULE',
  'AURGATE_SYNC_CONCURRENCY',
  'AURGATE_SYNC_WORKER_NICE',
  'AURGATE_FULL_CHECK_HOURS',
  'AURGATE_ADOPTION_WAVE_HOURS',
  'AURGATE_ADOPTION_WAVE_THRESHOLD',
  'AURGATE_UPSTREAM_TIMEOUT_MS',
  'AURGATE_GIT_TIMEOUT_MS',
  'AURGATE_MAX_REPO_BYTES',
  'AURGATE_CLONE_TIMEOUT_MS',
  'AURGATE_REQUIRED_APPROVALS',
  'AURGATE_TOKEN',
  'AURGATE_WEBHOOK_URL',
  'AURGATE_LOG_LEVEL',
  'AURGATE_METRICS_TOKEN',
  'AURGATE_TRUSTED_PROXIES',
  'AURGATE_REPLICA_OF',
  'AURGATE_TRUSTED_KEY',
  'AURGATE_REPLICA_POLL_MS',
  'AURGATE_SOURCE_MAX_FILE_BYTES',
  'AURGATE_SOURCE_MAX_TOTAL_BYTES',
  'AURGATE_SOURCE_TIMEOUT_MS',
  'AURGATE_SOURCE_MAX_REDIRECTS',
  'AURGATE_SOURCE_ALLOW_PRIVATE',
  'AURGATE_BUILD_USER',
  'AURGATE_BUILD_ON_APPROVAL',
  'AURGATE_BUILD_TIMEOUT_MS',
  'AURGATE_BUILD_MAX_BYTES',
  'AURGATE_BUILD_MAX_LOG_BYTES',
  'AURGATE_LOCAL_SIGN_IN',
  'AURGATE_OIDC_ISSUER',
  'AURGATE_OIDC_ALLOW_HTTP',
  'AURGATE_OIDC_CLIENT_ID',
  'AURGATE_OIDC_CLIENT_SECRET',
  'AURGATE_OIDC_PROVIDER_NAME',
  'AURGATE_OIDC_SCOPES',
  'AURGATE_OIDC_ROLES_CLAIM',
  'AURGATE_OIDC_ROLE_MAP',
  'AURGATE_CONFIG',
];

const scratch = mkdtempSync(path.join(os.tmpdir(), 'aurgate-config-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function configFile(name: string, settings: Record<string, unknown>): string {
  const file = path.join(scratch, name);
  writeFileSync(file, JSON.stringify(settings));
  return file;
}

describe('configuration', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toStrictEqual({
      dataDir: path.resolve('./data'),
      upstreamUrl: 'https://aur.archlinux.org',
      host: '127.0.0.1',
      port: 8080,
      publicUrl: 'http://127.0.0.1:8080',
      syncSchedule: '*/30 * * * *',
      syncConcurrency: 8,
      syncWorkerNice: 10,
      fullCheckHours: 24,
      adoptionWaveHours: 72,
      adoptionWaveThreshold: 3,
      upstreamTimeoutMs: 20_000,
      gitTimeoutMs: 120_000,
      maxRepoBytes: 209_715_200,
      cloneTimeoutMs: 600_000,
      // Deprecated: unset unless given; the decision policy lives in the database.
      requiredApprovals: undefined,
      cliToken: undefined,
      webhookUrl: undefined,
      logLevel: 'info',
      cliLogLevel: 'warn',
      metricsToken: undefined,
      trustedProxies: [],
      replicaOf: undefined,
      trustedKey: undefined,
      replicaPollMs: 5000,
      sourceMaxFileBytes: 512 * 1024 * 1024,
      sourceMaxTotalBytes: 20 * 1024 * 1024 * 1024,
      sourceTimeoutMs: 600_000,
      sourceMaxRedirects: 5,
      sourceAllowPrivate: false,
      buildUser: 'builder',
      buildOnApproval: false,
      buildTimeoutMs: 3_600_000,
      buildMaxBytes: 8 * 1024 * 1024 * 1024,
      buildMaxLogBytes: 8 * 1024 * 1024,
      // Single sign-on is off; local password sign-in is on.
      localSignIn: true,
      oidcIssuer: undefined,
      oidcAllowHttp: false,
      oidcClientId: undefined,
      oidcClientSecret: undefined,
      oidcProviderName: undefined,
      oidcScopes: 'openid profile email',
      oidcRolesClaim: 'groups',
      oidcRoleMap: undefined,
      paths: {
        database: path.resolve('./data/aurgate.db'),
        mirrorRepos: path.resolve('./data/mirror'),
        replicaStaging: path.resolve('./data/staging'),
        servedRepos: path.resolve('./data/served'),
        snapshots: path.resolve('./data/snapshots'),
        keys: path.resolve('./data/keys'),
        sources: path.resolve('./data/sources'),
        builds: path.resolve('./data/builds'),
        repoKey: path.resolve('./data/repo-key'),
        repo: path.resolve('./data/repo'),
      },
    });
    expect(loadConfig({ AURGATE_LOG_LEVEL: 'debug' })).toMatchObject({ logLevel: 'debug', cliLogLevel: 'debug' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads the single sign-on settings: a JSON role map, booleans, and what they require together', () => {
    const sso = {
      AURGATE_OIDC_ISSUER: 'https://idp.example.com/realms/team',
      AURGATE_OIDC_CLIENT_ID: 'aurgate',
      AURGATE_OIDC_CLIENT_SECRET: 'secret',
      AURGATE_OIDC_ROLE_MAP: '{"admin": "ops", "reviewer": ["cn=packagers,ou=groups", "security team"]}',
    };
    expect(loadConfig({ ...sso, AURGATE_LOCAL_SIGN_IN: 'off' })).toMatchObject({
      localSignIn: false,
      oidcRoleMap: { admin: ['ops'], reviewer: ['cn=packagers,ou=groups', 'security team'], viewer: [] },
    });
    const refused: Array<[Record<string, string>, RegExp]> = [
      [{ AURGATE_LOCAL_SIGN_IN: 'false' }, /AURGATE_LOCAL_SIGN_IN: local sign-in can only be turned off when single sign-on is set up/],
      [{ ...sso, AURGATE_OIDC_CLIENT_SECRET: '' }, /AURGATE_OIDC_CLIENT_SECRET: required with AURGATE_OIDC_ISSUER/],
      [{ ...sso, AURGATE_OIDC_ROLE_MAP: 'admin=ops' }, /AURGATE_OIDC_ROLE_MAP: must be a JSON object/],
      [{ ...sso, AURGATE_OIDC_ROLE_MAP: '{"owner": "ops"}' }, /AURGATE_OIDC_ROLE_MAP: .*owner/],
      [{ ...sso, AURGATE_OIDC_ROLE_MAP: '{"admin": []}' }, /AURGATE_OIDC_ROLE_MAP: maps no claim value to any role/],
      [
        { ...sso, AURGATE_OIDC_ISSUER: 'http://idp.example.com' },
        /AURGATE_OIDC_ISSUER: a plain http:\/\/ issuer is allowed only on the loopback interface/,
      ],
      [{ ...sso, AURGATE_OIDC_SCOPES: 'profile email' }, /AURGATE_OIDC_SCOPES: must include openid/],
      [{ ...sso, AURGATE_LOCAL_SIGN_IN: 'maybe' }, /AURGATE_LOCAL_SIGN_IN/],
    ];
    for (const [env, message] of refused) expect(() => loadConfig(env), JSON.stringify(env)).toThrow(message);
    for (const issuer of ['http://127.0.0.1:3000', 'http://localhost:3000', 'http://[::1]:3000']) {
      expect(loadConfig({ ...sso, AURGATE_OIDC_ISSUER: issuer }).oidcIssuer).toBe(issuer);
    }
    expect(loadConfig({ ...sso, AURGATE_OIDC_ISSUER: 'http://idp.internal', AURGATE_OIDC_ALLOW_HTTP: 'true' }).oidcAllowHttp).toBe(true);
  });

  it('types the configuration from the schema', () => {
    expectTypeOf<Config['port']>().toEqualTypeOf<number>();
    expectTypeOf<Config['publicUrl']>().toEqualTypeOf<string>();
    expectTypeOf<Config['logLevel']>().toEqualTypeOf<LogLevel>();
    expectTypeOf<Config['trustedProxies']>().toEqualTypeOf<string[]>();
    expectTypeOf<Config['requiredApprovals']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<Config['cliToken']>().toEqualTypeOf<string | undefined>();
  });

  it('reads AURGATE_* variables and strips trailing slashes from URLs', () => {
    const config = loadConfig({
      AURGATE_DATA_DIR: '/srv/aurgate',
      AURGATE_UPSTREAM_URL: 'http://127.0.0.1:9999/',
      AURGATE_PORT: '9000',
      AURGATE_PUBLIC_URL: 'https://aur.example.org/',
      AURGATE_SYNC_SCHEDULE: '0 * * * *',
      AURGATE_TOKEN: 'token-value',
      AURGATE_REQUIRED_APPROVALS: '2',
      AURGATE_MAX_REPO_BYTES: '4096',
    });
    expect(config).toMatchObject({
      dataDir: '/srv/aurgate',
      upstreamUrl: 'http://127.0.0.1:9999',
      port: 9000,
      publicUrl: 'https://aur.example.org',
      syncSchedule: '0 * * * *',
      cliToken: 'token-value',
      requiredApprovals: 2,
      maxRepoBytes: 4096,
    });
  });

  it('treats an empty variable as unset (docker compose passes unset ones as empty)', () => {
    expect(loadConfig({ AURGATE_WEBHOOK_URL: '', AURGATE_PORT: '' })).toMatchObject({ webhookUrl: undefined, port: 8080 });
  });

  it('rejects invalid values with a message naming each variable', () => {
    const attempt = () => loadConfig({ AURGATE_PORT: 'eighty', AURGATE_SYNC_SCHEDULE: 'every minute', AURGATE_UPSTREAM_URL: 'ftp://x' });
    expect(attempt).toThrow(InvalidInput);
    expect(attempt).toThrow(/AURGATE_PORT: .*AURGATE_UPSTREAM_URL: must be an http|AURGATE_UPSTREAM_URL/);
    expect(attempt).toThrow(/AURGATE_SYNC_SCHEDULE: must be a valid cron expression/);
    expect(() => loadConfig({ AURGATE_TOKEN: 'x'.repeat(201) })).toThrow(/AURGATE_TOKEN: /);
  });

  it('refuses a config file that is not a JSON object', () => {
    expect(() => loadConfig({ AURGATE_CONFIG: '/nonexistent/aurgate.json' })).toThrow(/AURGATE_CONFIG: cannot read/);
    const list = path.join(scratch, 'list.json');
    writeFileSync(list, '[1, 2]');
    expect(() => loadConfig({ AURGATE_CONFIG: list })).toThrow(/AURGATE_CONFIG: .* is not a JSON object of settings/);
  });

  it('reads camelCase settings from the config file; the environment wins', () => {
    const file = configFile('settings.json', { port: 9100, host: '0.0.0.0', cliToken: 'from-file' });
    expect(loadConfig({ AURGATE_CONFIG: file, AURGATE_PORT: '9200' })).toMatchObject({ port: 9200, host: '0.0.0.0', cliToken: 'from-file' });
    expect(() => loadConfig({ AURGATE_CONFIG: configFile('bad.json', { port: 'x' }) })).toThrow(/AURGATE_PORT: /);
  });
});

describe('configuration warnings', () => {
  it('has none when every variable is known, including the tooling ones', () => {
    const env = { AURGATE_PORT: '9000', AURGATE_TOKEN: 't', AURGATE_BENCH_PACKAGES: '50', AURGATE_DOMAIN: 'aur.example.org', PATH: '/bin' };
    expect(readConfig(env).warnings).toEqual([]);
  });

  it('names a misspelled variable and the setting it most likely meant, without refusing to start', () => {
    const { config, warnings } = readConfig({
      AURGATE_PORTT: '9000',
      AURGATE_DATADIR: '/srv',
      AURGATE_CLI_TOKEN: 't',
      AURGATE_SYNC_SHEDULE: '* * * * *',
    });
    expect(config.port).toBe(8080);
    expect(warnings.map((w) => w.name)).toEqual(['AURGATE_CLI_TOKEN', 'AURGATE_DATADIR', 'AURGATE_PORTT', 'AURGATE_SYNC_SHEDULE']);
    expect(warnings.map((w) => w.message)).toEqual([
      'AURGATE_CLI_TOKEN is not a variable aurgate knows, so it is ignored (did you mean AURGATE_TOKEN?)',
      'AURGATE_DATADIR is not a variable aurgate knows, so it is ignored (did you mean AURGATE_DATA_DIR?)',
      'AURGATE_PORTT is not a variable aurgate knows, so it is ignored (did you mean AURGATE_PORT?)',
      'AURGATE_SYNC_SHEDULE is not a variable aurgate knows, so it is ignored (did you mean AURGATE_SYNC_SCHEDULE?)',
    ]);
  });

  it('suggests nothing when no setting is close', () => {
    expect(readConfig({ AURGATE_FAVOURITE_COLOUR: 'blue' }).warnings).toEqual([
      { name: 'AURGATE_FAVOURITE_COLOUR', message: 'AURGATE_FAVOURITE_COLOUR is not a variable aurgate knows, so it is ignored' },
    ]);
  });

  it('names unknown keys of the config file, suggesting the camelCase key', () => {
    const file = configFile('typos.json', { prot: 9000, AURGATE_HOST: '::1', webhook: 'https://x', port: 9001, somethingElse: true });
    const { config, warnings } = readConfig({ AURGATE_CONFIG: file });
    expect(config.port).toBe(9001);
    expect(config.host).toBe('127.0.0.1');
    expect(warnings.map((w) => w.message)).toEqual([
      `AURGATE_CONFIG ${file}: "prot" is not a setting aurgate knows, so it is ignored (did you mean "port"?)`,
      `AURGATE_CONFIG ${file}: "AURGATE_HOST" is not a setting aurgate knows, so it is ignored (did you mean "host"?)`,
      `AURGATE_CONFIG ${file}: "webhook" is not a setting aurgate knows, so it is ignored (did you mean "webhookUrl"?)`,
      `AURGATE_CONFIG ${file}: "somethingElse" is not a setting aurgate knows, so it is ignored`,
    ]);
  });

  it('measures edit distance', () => {
    expect(editDistance('port', 'port')).toBe(0);
    expect(editDistance('portt', 'port')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });
});

describe('the declaration of settings', () => {
  it('keeps every documented variable, in the documented order', () => {
    expect(CONFIG_VARIABLES.map((v) => v.name)).toEqual(CONTRACT_VARIABLES);
  });

  it('shows the defaults users see in `aurgate config`', () => {
    const shown = Object.fromEntries(CONFIG_VARIABLES.map((v) => [v.name, v.default]));
    expect(shown).toMatchObject({
      AURGATE_DATA_DIR: './data',
      AURGATE_PORT: '8080',
      AURGATE_PUBLIC_URL: 'http://<host>:<port>',
      AURGATE_MAX_REPO_BYTES: '209715200',
      AURGATE_LOG_LEVEL: 'info (warn for CLI commands other than serve)',
      AURGATE_TRUSTED_PROXIES: '(none)',
      AURGATE_REQUIRED_APPROVALS: '(none)',
    });
    expect(CONFIG_VARIABLES.find((v) => v.name === 'AURGATE_REQUIRED_APPROVALS')?.meaning).toMatch(
      /^deprecated: only seeds .* \(see the decision policy\)/,
    );
  });

  // cli/io.ts hands the whole environment to the CLI as its injected `env` (which reaches loadConfig):
  // passing it along is allowed, reading a variable from it anywhere but config.ts is not.
  it('is the only module that reads process.env (besides the process edge that hands it to the CLI)', () => {
    const sources = readdirSync(path.dirname(new URL(import.meta.url).pathname), { recursive: true, encoding: 'utf8' }).filter(
      (file) => /\.tsx?$/.test(file) && !file.endsWith('.test.ts'),
    );
    const root = path.dirname(new URL(import.meta.url).pathname);
    const readers = sources.filter((file) => readFileSync(path.join(root, file), 'utf8').includes('process.env'));
    expect(readers.sort()).toEqual(['cli/io.ts', 'config.ts']);
    expect(readFileSync(path.join(root, 'cli/io.ts'), 'utf8')).not.toMatch(/process\.env[.[]/);
  });
});
