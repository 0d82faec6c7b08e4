import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CONFIG_FILE_VARIABLE, crossSettingProblems, envNameOf, SETTING_KEYS, SETTINGS, type LogLevel, type SettingKey } from './config-settings.js';
import { unknownFileKeyWarnings, unknownVariableWarnings, type ConfigWarning } from './config-warnings.js';
import { InvalidInput } from './errors.js';
import type { Logger } from './log.js';

export type { LogLevel } from './config-settings.js';
export type { ConfigWarning } from './config-warnings.js';
export { CONFIG_VARIABLES } from './config-docs.js';

/**
 * The one place configuration is read. Order: defaults → optional JSON file (AURGATE_CONFIG) →
 * AURGATE_* environment → validation → a frozen object that is passed to whoever needs it.
 * No other module reads process.env. The settings themselves are declared in config-settings.ts.
 */
type Shape = { [K in SettingKey]: (typeof SETTINGS)[K]['schema'] };
const schema = z.object(Object.fromEntries(SETTING_KEYS.map((key) => [key, SETTINGS[key].schema])) as Shape);
type Settings = z.infer<typeof schema>;

export type Config = Readonly<
  Omit<Settings, 'publicUrl' | 'logLevel'> & {
    /** AURGATE_PUBLIC_URL, or http://<host>:<port> when not set. */
    publicUrl: string;
    logLevel: LogLevel;
    /** CLI commands print their own results, so their logs default to warnings unless a level is set. */
    cliLogLevel: LogLevel;
    paths: DataPaths;
  }
>;

export interface DataPaths {
  readonly database: string;
  readonly mirrorRepos: string;
  /** A replica's staging repos: what it fetched from its primary, before verification (never served). */
  readonly replicaStaging: string;
  readonly servedRepos: string;
  readonly snapshots: string;
  /** The signing keys (src/trust/key-store.ts), mode 0700. */
  readonly keys: string;
  /** The content-addressed source cache (src/sources/blob-store.ts). */
  readonly sources: string;
  /** One directory per build of an approved revision: its log, work and output (src/build/). */
  readonly builds: string;
  /** The OpenPGP key that signs the pacman repository (src/repo/pgp-key.ts), mode 0700. */
  readonly repoKey: string;
  /** The signed pacman repositories built packages are served from (src/repo/pacman-repo.ts). */
  readonly repo: string;
}

export function dataPaths(dataDir: string): DataPaths {
  return Object.freeze({
    database: path.join(dataDir, 'aurgate.db'),
    mirrorRepos: path.join(dataDir, 'mirror'),
    replicaStaging: path.join(dataDir, 'staging'),
    servedRepos: path.join(dataDir, 'served'),
    snapshots: path.join(dataDir, 'snapshots'),
    keys: path.join(dataDir, 'keys'),
    sources: path.join(dataDir, 'sources'),
    builds: path.join(dataDir, 'builds'),
    repoKey: path.join(dataDir, 'repo-key'),
    repo: path.join(dataDir, 'repo'),
  });
}

export interface LoadedConfig {
  readonly config: Config;
  /** Unknown or misspelled AURGATE_* variables and config-file keys: ignored, and worth telling the operator once. */
  readonly warnings: readonly ConfigWarning[];
}

/** The configuration without its warnings (tests, benchmarks); entry points use readConfig and report them. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Record<SettingKey, string>> = {}): Config {
  return readConfig(env, overrides).config;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Record<SettingKey, string>> = {}): LoadedConfig {
  const file = env[CONFIG_FILE_VARIABLE];
  const fromFile = readConfigFile(file);
  const raw: Partial<Record<SettingKey, unknown>> = { ...fromFile };
  for (const key of SETTING_KEYS) {
    const value = env[envNameOf(key)];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  Object.assign(raw, overrides);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = issue.path[0];
      return `${typeof key === 'string' && key in SETTINGS ? envNameOf(key as SettingKey) : 'config'}: ${issue.message}`;
    });
    throw new InvalidInput(`invalid configuration: ${problems.join('; ')}`);
  }
  const crossProblems = crossSettingProblems(parsed.data);
  if (crossProblems.length > 0) {
    throw new InvalidInput(`invalid configuration: ${crossProblems.map((problem) => `${envNameOf(problem.key)}: ${problem.message}`).join('; ')}`);
  }
  // Every key present, unset ones as undefined, as consumers of the old interface expected.
  const value: Settings = { ...Object.fromEntries(SETTING_KEYS.map((key) => [key, undefined])), ...parsed.data };
  const dataDir = path.resolve(value.dataDir);
  const config: Config = Object.freeze({
    ...value,
    logLevel: value.logLevel ?? 'info',
    cliLogLevel: value.logLevel ?? 'warn',
    dataDir,
    publicUrl: value.publicUrl ?? `http://${value.host.includes(':') ? `[${value.host}]` : value.host}:${value.port}`,
    paths: dataPaths(dataDir),
  });
  const warnings = [...unknownVariableWarnings(env), ...(file ? unknownFileKeyWarnings(file, Object.keys(fromFile)) : [])];
  return Object.freeze({ config, warnings: Object.freeze(warnings) });
}

/** Logs each configuration warning once; called by the process's entry point right after its logger exists. */
export function logConfigWarnings(warnings: readonly ConfigWarning[], logger: Logger): void {
  for (const warning of warnings) logger.warn({ variable: warning.name }, warning.message);
}

function readConfigFile(file: string | undefined): Record<string, unknown> {
  if (!file) return {};
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InvalidInput(`${CONFIG_FILE_VARIABLE}: cannot read ${file}`, { cause: error });
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new InvalidInput(`${CONFIG_FILE_VARIABLE}: ${file} is not a JSON object of settings`, { cause: error });
  }
}

/**
 * The only part of this process's environment child processes (git) inherit: where to find programs
 * and a home directory. Read here so that the environment has one reader.
 */
export function inheritedEnv(env: NodeJS.ProcessEnv = process.env): { PATH: string; HOME: string } {
  return { PATH: env['PATH'] ?? '/usr/bin:/bin', HOME: env['HOME'] ?? '/tmp' };
}
