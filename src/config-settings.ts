import { isIP } from 'node:net';
import { validate as validateCron } from 'node-cron';
import { z } from 'zod';

/**
 * Every setting, declared once: its schema (with its default), its documentation line and, where the
 * naming rule does not give it, its environment variable. The `Config` type, the variable names, the
 * defaults shown by `aurgate config` and the README's table are all derived from this table (see
 * config.ts and config-docs.ts). Rows are in the order the README lists them.
 */
export interface Setting {
  readonly schema: z.ZodType;
  /** One line of Markdown: what the setting means (the terminal shows it without the markup). */
  readonly doc: string;
  /** The variable, when it is not AURGATE_ plus the key in UPPER_SNAKE_CASE. */
  readonly env?: string;
  /** Markdown for a default that is derived or depends on the command, instead of the schema's value. */
  readonly shownDefault?: string;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const httpUrl = z
  .string()
  .url()
  .refine((value) => /^https?:\/\//.test(value), 'must be an http:// or https:// URL')
  .transform((value) => value.replace(/\/+$/, ''));

const trustedProxies = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean),
  )
  .refine((entries) => entries.every(isAddressOrSubnet), 'must be a comma-separated list of IP addresses or CIDR subnets (172.16.0.0/12)');

/** true/false, also 1/0, yes/no, on/off (environment variables are text; a JSON file may hold a boolean). */
const flag = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])])
  .transform((value) => value === true || value === 'true' || value === '1' || value === 'yes' || value === 'on');

/** The roles single sign-on can give; the same three as src/accounts/roles.ts (base cannot import it). */
const SSO_ROLES = ['admin', 'reviewer', 'viewer'] as const;
const claimValueList = z.union([z.string().min(1).max(256), z.array(z.string().min(1).max(256)).max(1000)]);
/**
 * AURGATE_OIDC_ROLE_MAP: a JSON object from role to the claim value (or list of values) that gives it,
 * e.g. {"admin": "aurgate-admins", "reviewer": ["packagers", "security"], "viewer": "staff"}. JSON,
 * because group names in the wild contain commas, equals signs and spaces (LDAP DNs, display names).
 * In the JSON config file it may also be the object itself.
 */
const roleMap = z
  .union([z.string(), z.record(z.string(), z.unknown())])
  .transform((value, context) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      context.addIssue({ code: 'custom', message: 'must be a JSON object such as {"admin": "aurgate-admins", "reviewer": ["packagers"]}' });
      return z.NEVER;
    }
  })
  .pipe(z.strictObject({ admin: claimValueList.optional(), reviewer: claimValueList.optional(), viewer: claimValueList.optional() }))
  .transform((map) => {
    const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : typeof value === 'string' ? [value] : value);
    return Object.fromEntries(SSO_ROLES.map((role) => [role, list(map[role])])) as Record<(typeof SSO_ROLES)[number], string[]>;
  })
  .refine((map) => SSO_ROLES.some((role) => map[role].length > 0), 'maps no claim value to any role');

export const SETTINGS = {
  dataDir: {
    schema: z.string().min(1).default('./data'),
    doc: 'database (`aurgate.db`), `mirror/` and `served/` repos, `snapshots/` cache, `keys/` (the signing key), `repo/` and `repo-key/` (the signed pacman repository and its OpenPGP key)',
  },
  upstreamUrl: { schema: httpUrl.default('https://aur.archlinux.org'), doc: 'the AUR to mirror from (RPC and git)' },
  host: { schema: z.string().min(1).default('127.0.0.1'), doc: 'address the server listens on' },
  port: { schema: z.coerce.number().int().min(0).max(65535).default(8080), doc: 'port the server listens on' },
  publicUrl: {
    schema: httpUrl.optional(),
    shownDefault: '`http://<host>:<port>`',
    doc: 'URL clients use to reach aurgate (links, lock files, cookies: https makes them Secure)',
  },
  syncSchedule: {
    schema: z
      .string()
      .default('*/30 * * * *')
      .refine((value) => validateCron(value), 'must be a valid cron expression, e.g. "*/30 * * * *"'),
    doc: 'cron expression of the scheduled sync inside `aurgate serve`',
  },
  syncConcurrency: { schema: z.coerce.number().int().min(1).max(64).default(8), doc: 'packages fetched in parallel' },
  syncWorkerNice: {
    schema: z.coerce.number().int().min(0).max(19).default(10),
    doc: "CPU priority (nice, `0`–`19`) of `aurgate serve`'s sync worker and its git processes: on a busy machine the sync yields to clients",
  },
  fullCheckHours: {
    schema: z.coerce.number().min(0).default(24),
    doc: 'git-fetch every package at least this often, whatever RPC says (`0`: every run)',
  },
  adoptionWaveHours: {
    schema: z.coerce
      .number()
      .min(1)
      .max(24 * 90)
      .default(72),
    doc: 'window of the cross-package adoption signal: takeovers by one account within this many hours count together',
  },
  adoptionWaveThreshold: {
    schema: z.coerce.number().int().min(2).max(1000).default(3),
    doc: 'mirrored packages one account must adopt or take over within the window to raise the adoption-wave flag (high)',
  },
  upstreamTimeoutMs: {
    schema: z.coerce.number().int().min(100).default(20_000),
    doc: 'deadline of one upstream RPC request, its whole answer included (an answer over 16 MiB is refused at that size)',
  },
  gitTimeoutMs: {
    schema: z.coerce.number().int().min(1000).default(120_000),
    doc: 'deadline of one upstream git fetch: git and the helpers it started are killed at it, so a hung connection never keeps a sync (or `aurgate sync`) alive',
  },
  maxRepoBytes: {
    schema: z.coerce
      .number()
      .int()
      .min(1024)
      .default(200 * 1024 * 1024),
    doc: "size cap of one package's fetched git repo: the upstream mirror's, and a replica's staging repo",
  },
  cloneTimeoutMs: { schema: z.coerce.number().int().min(1000).default(600_000), doc: 'timeout of one git request served to a client' },
  // Deprecated: only seeds the decision policy of a new database (see quarantine/policy.ts).
  requiredApprovals: {
    schema: z.coerce.number().int().min(1).max(10).optional(),
    doc:
      '**deprecated:** only seeds the approval policy of a new database (see [the decision policy](#the-decision-policy)); ' +
      'when set and different from the database, every process warns and ignores it',
  },
  cliToken: {
    schema: z.string().max(200).optional(),
    env: 'AURGATE_TOKEN',
    doc: 'an API token that authenticates CLI decisions (`approve`, `reject`, `revoke`, `policy set`): its user is the actor',
  },
  webhookUrl: { schema: httpUrl.optional(), doc: 'webhook for new pending revisions, high-risk flags, sync failures and a replica that halts' },
  logLevel: {
    // Optional rather than defaulted: CLI commands log warnings only unless a level is set.
    schema: z.enum(LOG_LEVELS).optional(),
    shownDefault: '`info` (`warn` for CLI commands other than `serve`)',
    doc: 'pino log level (`fatal` … `trace`, `silent`)',
  },
  metricsToken: {
    schema: z.string().min(16, 'must be at least 16 characters').optional(),
    doc: 'if set, `/metrics` requires `Authorization: Bearer <token>` (at least 16 characters)',
  },
  trustedProxies: {
    schema: trustedProxies,
    doc:
      'reverse proxies (IPs or CIDR subnets, comma-separated) whose `X-Forwarded-For` names the client, for sign-in throttling and logs; ' +
      "from any other peer the header is ignored. Behind a proxy, set it: otherwise every client has the proxy's address",
  },
  replicaOf: {
    schema: httpUrl.optional(),
    doc: '`serve` as a [read replica](#running-replicas) of the aurgate at this URL (also `serve --replica-of`): no admin, no sync, only what verifies against its log',
  },
  trustedKey: {
    schema: z.string().min(1).max(65_536).optional(),
    doc: "a replica's trust in its primary: a note verifier key (`<origin>+<hash>+<key>`, from `aurgate key export-public`) or a file of them, one a line (also `serve --trusted-key`)",
  },
  replicaPollMs: {
    schema: z.coerce.number().int().min(50).max(3_600_000).default(5000),
    doc: 'how often a replica asks its primary for a new checkpoint, in ms',
  },
  sourceMaxFileBytes: {
    schema: z.coerce
      .number()
      .int()
      .min(1024)
      .default(512 * 1024 * 1024),
    doc: 'size cap of one PKGBUILD source fetched into the [source cache](#hermetic-builds)',
  },
  sourceMaxTotalBytes: {
    schema: z.coerce
      .number()
      .int()
      .min(1024)
      .default(20 * 1024 * 1024 * 1024),
    doc: 'size cap of the whole source cache: a fetch that would pass it fails (`aurgate sources gc` frees what no approved revision uses)',
  },
  sourceTimeoutMs: { schema: z.coerce.number().int().min(1000).default(600_000), doc: 'timeout of one source download (the whole transfer)' },
  sourceMaxRedirects: { schema: z.coerce.number().int().min(0).max(20).default(5), doc: 'redirects one source download may follow' },
  sourceAllowPrivate: {
    schema: z
      .enum(['true', 'false', '1', '0'])
      .default('false')
      .transform((value) => value === 'true' || value === '1'),
    doc: 'fetch sources from loopback, private and link-local addresses too (`true` only for a source host on your own network, and the tests)',
  },
  buildUser: {
    schema: z
      .string()
      .regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'must be a user name')
      .default('builder'),
    doc: "[builds](#builds-of-approved-revisions) run makepkg as this unprivileged user when aurgate runs as root (makepkg refuses root); otherwise as aurgate's own user",
  },
  buildOnApproval: {
    schema: flag.default(false),
    doc: 'build each approved revision in `aurgate serve` once its sources are in the cache (see [builds](#builds-of-approved-revisions)); `aurgate build` works either way',
  },
  buildTimeoutMs: {
    schema: z.coerce
      .number()
      .int()
      .min(1000)
      .default(60 * 60_000),
    doc: 'deadline of one build: makepkg and everything it started are killed at it',
  },
  buildMaxBytes: {
    schema: z.coerce
      .number()
      .int()
      .min(1024 * 1024)
      .default(8 * 1024 * 1024 * 1024),
    doc: "disk cap of one build's work and output directories: a build that passes it is stopped",
  },
  buildMaxLogBytes: {
    schema: z.coerce
      .number()
      .int()
      .min(4096)
      .default(8 * 1024 * 1024),
    doc: "bytes of a build's log kept (its beginning, and the last 64 KiB, which names the failure)",
  },
  localSignIn: {
    schema: flag.default(true),
    doc:
      "sign-in with a local account's password (web form and CLI password prompt): the break-glass path next to [single sign-on](#single-sign-on). " +
      '`false` turns it off (API tokens keep working); needs `AURGATE_OIDC_ISSUER`',
  },
  oidcIssuer: {
    schema: z
      .string()
      .url()
      .refine((value) => /^https?:\/\//.test(value), 'must be an http:// or https:// URL')
      .optional(),
    doc: 'OpenID Connect issuer URL (exactly as the provider names itself); setting it turns [single sign-on](#single-sign-on) on',
  },
  oidcAllowHttp: {
    schema: flag.default(false),
    doc: 'allow a plain `http://` issuer that is not on the loopback interface (never in production: tokens would cross the network in clear)',
  },
  oidcClientId: { schema: z.string().min(1).max(255).optional(), doc: 'client id aurgate is registered with at the provider' },
  oidcClientSecret: {
    schema: z.string().min(1).max(1000).optional(),
    doc: "the client's secret (sent to the token endpoint with HTTP Basic authentication)",
  },
  oidcProviderName: {
    schema: z.string().trim().min(1).max(60).optional(),
    shownDefault: "the issuer's host name",
    doc: 'name on the sign-in button: "Sign in with <name>"',
  },
  oidcScopes: {
    schema: z
      .string()
      .default('openid profile email')
      .refine((value) => value.split(/\s+/).includes('openid') && value.length <= 500, 'must include openid'),
    doc: 'scopes requested at sign-in (space-separated); add the one your provider needs for the role claim, e.g. `groups`',
  },
  oidcRolesClaim: {
    schema: z.string().min(1).max(200).default('groups'),
    doc: 'claim (ID token or userinfo) whose values give the role; a dotted path reaches into objects (`realm_access.roles`)',
  },
  oidcRoleMap: {
    schema: roleMap.optional(),
    doc: 'JSON object from role to claim value(s): `{"admin": "aurgate-admins", "reviewer": ["packagers"], "viewer": "staff"}`; the highest matching role wins, no match: refused',
  },
} satisfies Record<string, Setting>;

export type SettingKey = keyof typeof SETTINGS;
export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

/** Names the JSON file of settings; not a setting itself. */
export const CONFIG_FILE_VARIABLE = 'AURGATE_CONFIG';
export const CONFIG_FILE_DOC = 'optional JSON file with the settings above (camelCase keys); the environment wins';

/**
 * AURGATE_* variables that belong to aurgate's tooling, not to the program: docker compose's own
 * substitutions, the benchmarks (every AURGATE_BENCH_*) and the tests. Nobody is warned about these.
 */
export const TOOLING_VARIABLES: readonly string[] = [
  'AURGATE_BIND',
  'AURGATE_HTTP_PORT',
  'AURGATE_DOMAIN',
  'AURGATE_PROPERTY_RUNS',
  'AURGATE_DEMO_PORT',
];
export const TOOLING_PREFIX = 'AURGATE_BENCH_';

/** The rule: `upstreamTimeoutMs` is AURGATE_UPSTREAM_TIMEOUT_MS, unless the setting names its variable. */
export function envNameOf(key: SettingKey): string {
  const setting: Setting = SETTINGS[key];
  return setting.env ?? `AURGATE_${key.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()}`;
}

/** The parsed value a setting has when nothing sets it (undefined: none). */
export function defaultOf(key: SettingKey): unknown {
  const setting: Setting = SETTINGS[key];
  return setting.schema.parse(undefined);
}

function isAddressOrSubnet(entry: string): boolean {
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  const prefix = Number(bits);
  return /^\d+$/.test(bits) && prefix <= (family === 4 ? 32 : 128);
}

/** Problems that involve more than one setting: one message per offending variable. */
export function crossSettingProblems(value: {
  localSignIn: boolean;
  oidcIssuer?: string | undefined;
  oidcAllowHttp: boolean;
  oidcClientId?: string | undefined;
  oidcClientSecret?: string | undefined;
  oidcRoleMap?: unknown;
}): Array<{ key: SettingKey; message: string }> {
  const problems: Array<{ key: SettingKey; message: string }> = [];
  if (!value.oidcIssuer) {
    if (!value.localSignIn)
      problems.push({ key: 'localSignIn', message: 'local sign-in can only be turned off when single sign-on is set up (AURGATE_OIDC_ISSUER)' });
    return problems;
  }
  const required = { oidcClientId: value.oidcClientId, oidcClientSecret: value.oidcClientSecret, oidcRoleMap: value.oidcRoleMap };
  for (const [key, given] of Object.entries(required) as Array<[SettingKey, unknown]>) {
    if (given === undefined) problems.push({ key, message: 'required with AURGATE_OIDC_ISSUER' });
  }
  const issuer = new URL(value.oidcIssuer);
  if (issuer.protocol === 'http:' && !isLoopback(issuer.hostname) && !value.oidcAllowHttp) {
    problems.push({
      key: 'oidcIssuer',
      message: 'a plain http:// issuer is allowed only on the loopback interface, or with AURGATE_OIDC_ALLOW_HTTP=true',
    });
  }
  return problems;
}

/** 127.0.0.0/8, ::1 and localhost: traffic that never leaves the machine. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}
