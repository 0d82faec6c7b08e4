import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { validate as validateCron } from 'node-cron';
import { z } from 'zod';
import { InvalidInput } from './errors.js';

/**
 * The one place configuration is read. Order: defaults → optional JSON file (AURGATE_CONFIG) →
 * AURGATE_* environment → validation → a frozen object that is passed to whoever needs it.
 * No other module reads process.env.
 */
const ENV_KEYS = {
  dataDir: 'AURGATE_DATA_DIR',
  upstreamUrl: 'AURGATE_UPSTREAM_URL',
  host: 'AURGATE_HOST',
  port: 'AURGATE_PORT',
  publicUrl: 'AURGATE_PUBLIC_URL',
  syncSchedule: 'AURGATE_SYNC_SCHEDULE',
  syncConcurrency: 'AURGATE_SYNC_CONCURRENCY',
  fullCheckHours: 'AURGATE_FULL_CHECK_HOURS',
  upstreamTimeoutMs: 'AURGATE_UPSTREAM_TIMEOUT_MS',
  gitTimeoutMs: 'AURGATE_GIT_TIMEOUT_MS',
  maxRepoBytes: 'AURGATE_MAX_REPO_BYTES',
  logLevel: 'AURGATE_LOG_LEVEL',
  requiredApprovals: 'AURGATE_REQUIRED_APPROVALS',
  webhookUrl: 'AURGATE_WEBHOOK_URL',
  cloneTimeoutMs: 'AURGATE_CLONE_TIMEOUT_MS',
  metricsToken: 'AURGATE_METRICS_TOKEN',
  trustedProxies: 'AURGATE_TRUSTED_PROXIES',
  cliToken: 'AURGATE_TOKEN',
} as const;

type ConfigKey = keyof typeof ENV_KEYS;

const httpUrl = z
  .string()
  .url()
  .refine((value) => /^https?:\/\//.test(value), 'must be an http:// or https:// URL')
  .transform((value) => value.replace(/\/+$/, ''));

const schema = z.object({
  dataDir: z.string().min(1).default('./data'),
  upstreamUrl: httpUrl.default('https://aur.archlinux.org'),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  publicUrl: httpUrl.optional(),
  syncSchedule: z
    .string()
    .default('*/30 * * * *')
    .refine((value) => validateCron(value), 'must be a valid cron expression, e.g. "*/30 * * * *"'),
  syncConcurrency: z.coerce.number().int().min(1).max(64).default(8),
  fullCheckHours: z.coerce.number().min(0).default(24),
  upstreamTimeoutMs: z.coerce.number().int().min(100).default(20_000),
  gitTimeoutMs: z.coerce.number().int().min(1000).default(120_000),
  maxRepoBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .default(200 * 1024 * 1024),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  // Deprecated: only seeds the decision policy of a new database (see quarantine/policy.ts).
  requiredApprovals: z.coerce.number().int().min(1).max(10).optional(),
  webhookUrl: httpUrl.optional(),
  cloneTimeoutMs: z.coerce.number().int().min(1000).default(600_000),
  metricsToken: z.string().min(16, 'must be at least 16 characters').optional(),
  cliToken: z.string().max(200).optional(),
  trustedProxies: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    )
    .refine((entries) => entries.every(isAddressOrSubnet), 'must be a comma-separated list of IP addresses or CIDR subnets (172.16.0.0/12)'),
});

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  readonly dataDir: string;
  readonly upstreamUrl: string;
  readonly host: string;
  readonly port: number;
  readonly publicUrl: string;
  readonly syncSchedule: string;
  readonly syncConcurrency: number;
  readonly fullCheckHours: number;
  readonly upstreamTimeoutMs: number;
  readonly gitTimeoutMs: number;
  readonly maxRepoBytes: number;
  readonly logLevel: LogLevel;
  /** CLI commands print their own results, so their logs default to warnings unless a level is set. */
  readonly cliLogLevel: LogLevel;
  /**
   * AURGATE_REQUIRED_APPROVALS, deprecated: seeds the decision policy of a new database and is reported
   * when it disagrees with the stored policy, never applied over it. Undefined when not set.
   */
  readonly requiredApprovals: number | undefined;
  readonly webhookUrl: string | undefined;
  readonly cloneTimeoutMs: number;
  /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
  readonly metricsToken: string | undefined;
  /** An API token that authenticates CLI decisions (approve, reject, revoke, policy set). */
  readonly cliToken: string | undefined;
  /** Addresses of reverse proxies whose X-Forwarded-For names the real client (sign-in throttling, logs). */
  readonly trustedProxies: readonly string[];
  readonly paths: DataPaths;
}

export interface DataPaths {
  readonly database: string;
  readonly mirrorRepos: string;
  readonly servedRepos: string;
  readonly snapshots: string;
}

export function dataPaths(dataDir: string): DataPaths {
  return Object.freeze({
    database: path.join(dataDir, 'aurgate.db'),
    mirrorRepos: path.join(dataDir, 'mirror'),
    servedRepos: path.join(dataDir, 'served'),
    snapshots: path.join(dataDir, 'snapshots'),
  });
}

/** Documentation of every variable, rendered by `aurgate config` and kept in step with the README. */
export const CONFIG_VARIABLES: ReadonlyArray<{ name: string; default: string; meaning: string }> = [
  { name: ENV_KEYS.dataDir, default: './data', meaning: 'database, mirror repos, served repos, snapshot cache' },
  { name: ENV_KEYS.upstreamUrl, default: 'https://aur.archlinux.org', meaning: 'the AUR to mirror from (RPC and git)' },
  { name: ENV_KEYS.host, default: '127.0.0.1', meaning: 'address the server listens on' },
  { name: ENV_KEYS.port, default: '8080', meaning: 'port the server listens on' },
  { name: ENV_KEYS.publicUrl, default: 'http://<host>:<port>', meaning: 'URL clients use to reach aurgate (links, cookies)' },
  { name: ENV_KEYS.syncSchedule, default: '*/30 * * * *', meaning: 'cron expression of the scheduled sync' },
  { name: ENV_KEYS.syncConcurrency, default: '8', meaning: 'packages fetched in parallel during a sync' },
  { name: ENV_KEYS.fullCheckHours, default: '24', meaning: 'git-fetch every package at least this often, whatever RPC says (0: every run)' },
  { name: ENV_KEYS.upstreamTimeoutMs, default: '20000', meaning: 'timeout of one upstream RPC request' },
  { name: ENV_KEYS.gitTimeoutMs, default: '120000', meaning: 'timeout of one upstream git fetch' },
  { name: ENV_KEYS.maxRepoBytes, default: '209715200', meaning: 'size cap of one fetched upstream pack' },
  { name: ENV_KEYS.logLevel, default: 'info', meaning: 'pino log level (CLI commands other than serve: warn unless set)' },
  {
    name: ENV_KEYS.requiredApprovals,
    default: '(none)',
    meaning: 'deprecated: seeds the approval policy of a new database only; use `aurgate policy set required-approvals N`',
  },
  { name: ENV_KEYS.webhookUrl, default: '(none)', meaning: 'webhook for new pending revisions, high-risk flags, sync failures' },
  { name: ENV_KEYS.cloneTimeoutMs, default: '600000', meaning: 'timeout of one git request served to a client' },
  { name: ENV_KEYS.metricsToken, default: '(none)', meaning: 'if set, /metrics requires Authorization: Bearer <token> (at least 16 characters)' },
  {
    name: ENV_KEYS.trustedProxies,
    default: '(none)',
    meaning: 'reverse proxies (IPs or CIDR subnets, comma-separated) whose X-Forwarded-For is believed',
  },
  { name: ENV_KEYS.cliToken, default: '(none)', meaning: 'API token authenticating CLI decisions (approve, reject, revoke, policy set)' },
  { name: 'AURGATE_CONFIG', default: '(none)', meaning: 'optional JSON file with the same settings (camelCase keys); the environment wins' },
];

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Record<ConfigKey, string>> = {}): Config {
  const raw: Partial<Record<ConfigKey, unknown>> = { ...readConfigFile(env['AURGATE_CONFIG']) };
  for (const [key, name] of Object.entries(ENV_KEYS) as Array<[ConfigKey, string]>) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  Object.assign(raw, overrides);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = issue.path[0] as ConfigKey | undefined;
      return `${key ? ENV_KEYS[key] : 'config'}: ${issue.message}`;
    });
    throw new InvalidInput(`invalid configuration: ${problems.join('; ')}`);
  }
  const value = parsed.data;
  const dataDir = path.resolve(value.dataDir);
  const publicUrl = value.publicUrl ?? `http://${value.host.includes(':') ? `[${value.host}]` : value.host}:${value.port}`;
  return Object.freeze({
    ...value,
    logLevel: value.logLevel ?? 'info',
    cliLogLevel: value.logLevel ?? 'warn',
    webhookUrl: value.webhookUrl,
    metricsToken: value.metricsToken,
    cliToken: value.cliToken,
    requiredApprovals: value.requiredApprovals,
    dataDir,
    publicUrl,
    paths: dataPaths(dataDir),
  });
}

function isAddressOrSubnet(entry: string): boolean {
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  const prefix = Number(bits);
  return /^\d+$/.test(bits) && prefix <= (family === 4 ? 32 : 128);
}

function readConfigFile(file: string | undefined): Record<string, unknown> {
  if (!file) return {};
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InvalidInput(`AURGATE_CONFIG: cannot read ${file}`, { cause: error });
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new InvalidInput(`AURGATE_CONFIG: ${file} is not a JSON object of settings`, { cause: error });
  }
}
