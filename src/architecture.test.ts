import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layering README's layout section describes, checked on every import of src/:
 * transports → composition root → use cases (app/) → domain → infrastructure → base.
 * A module may import its own layer or any lower one, never a higher one.
 */
const SRC = path.dirname(fileURLToPath(import.meta.url));

const LAYERS = ['base', 'infrastructure', 'domain', 'app', 'root', 'transport'] as const;
type Layer = (typeof LAYERS)[number];

const FOLDER_LAYER: Record<string, Layer> = {
  // The package name rule and the .SRCINFO parser: pure, and needed by every layer.
  srcinfo: 'base',
  db: 'infrastructure',
  git: 'infrastructure',
  upstream: 'infrastructure',
  quarantine: 'domain',
  accounts: 'domain',
  review: 'domain',
  sync: 'domain',
  pin: 'domain',
  notify: 'domain',
  store: 'domain',
  trust: 'domain',
  replica: 'domain',
  sources: 'domain',
  build: 'domain',
  repo: 'domain',
  app: 'app',
  http: 'transport',
  serve: 'transport',
  admin: 'transport',
  cli: 'transport',
  scheduler: 'transport',
};
const FILE_LAYER: Record<string, Layer> = { 'compose.ts': 'root', 'compose-replica.ts': 'root', 'main.ts': 'transport' };

/** Each table and the one module allowed to read or write it. */
const TABLE_OWNERS: Record<string, string> = {
  schema_migrations: 'db/migrate.ts',
  locks: 'db/locks.ts',
  packages: 'quarantine/packages.ts',
  allowlist: 'quarantine/packages.ts',
  revisions: 'quarantine/revisions.ts',
  approvals: 'quarantine/approvals.ts',
  readmissions: 'quarantine/readmissions.ts',
  audit_log: 'quarantine/audit.ts',
  decision_policy: 'quarantine/policy.ts',
  automatic_policies: 'quarantine/auto-policy.ts',
  ioc_entries: 'quarantine/ioc-entries.ts',
  served_set_version: 'quarantine/served-set.ts',
  users: 'accounts/users.ts',
  sessions: 'accounts/sessions.ts',
  api_tokens: 'accounts/tokens.ts',
  login_failures: 'accounts/throttle.ts',
  sign_in_addresses: 'accounts/throttle.ts',
  server_secrets: 'accounts/device-cookies.ts',
  sso_identities: 'accounts/sso-identities.ts',
  sync_runs: 'sync/runs.ts',
  maintainer_history: 'sync/maintainer-history.ts',
  package_signals: 'sync/signal-store.ts',
  aur_names: 'sync/aur-names.ts',
  builds: 'build/records.ts',
  build_packages: 'build/records.ts',
  snapshots: 'store/snapshots.ts',
  tlog_leaves: 'trust/log-store.ts',
  tlog_hashes: 'trust/log-store.ts',
  tlog_checkpoints: 'trust/log-store.ts',
  tlog_attestations: 'trust/attestation-log.ts',
  replica_revisions: 'replica/revisions.ts',
  replica_follower: 'replica/follower-state.ts',
  source_blobs: 'sources/records.ts',
  revision_sources: 'sources/records.ts',
  source_jobs: 'sources/records.ts',
  source_acceptances: 'sources/records.ts',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'corpus' || entry.name === 'fixtures' ? [] : sourceFiles(full);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

function layerOf(file: string): Layer {
  const relative = path.relative(SRC, file);
  const [top = ''] = relative.split(path.sep);
  if (relative === top) return FILE_LAYER[top] ?? 'base';
  const layer = FOLDER_LAYER[top];
  if (!layer) throw new Error(`src/${top}/ has no layer: add it to FOLDER_LAYER and to README's layout section`);
  return layer;
}

/** Relative imports of a module, resolved to files (`import type` included: a type is a dependency too). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((match) => match[1] ?? '');
  return specs.map((spec) => path.resolve(path.dirname(file), spec).replace(/\.js$/, ''));
}

const files = sourceFiles(SRC);
const rel = (file: string): string => path.relative(SRC, file).replace(/\\/g, '/');

describe('architecture', () => {
  it('imports only go from transports down to use cases, domain, infrastructure and base', () => {
    const upward: string[] = [];
    for (const file of files) {
      const from = LAYERS.indexOf(layerOf(file));
      for (const target of importsOf(file)) {
        const to = LAYERS.indexOf(layerOf(`${target}.ts`));
        if (to > from) upward.push(`${rel(file)} (${LAYERS[from]}) imports ${rel(target)} (${LAYERS[to]})`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('serving code reaches neither upstream, the mirror repos nor the database directly', () => {
    const serving = files.filter((file) => rel(file).startsWith('serve/'));
    const reaches = serving.flatMap((file) =>
      importsOf(file)
        .map(rel)
        .filter((target) => /^(upstream|db|quarantine|sync)\//.test(target))
        .map((target) => `${rel(file)} imports ${target}`),
    );
    expect(reaches).toEqual([]);
  });

  it('the risk analysis is pure: no git, no database, no file system, no processes', () => {
    const impure = files
      .filter((file) => rel(file).startsWith('review/'))
      .flatMap((file) => {
        const text = readFileSync(file, 'utf8');
        const modules = [...text.matchAll(/from\s+'([^']+)'/g)].map((match) => match[1] ?? '');
        const impureModule = /^node:(fs|child_process|net|http)|\/(db|git)\/|\/upstream\/(rpc-client|git-mirror)/;
        return modules.filter((spec) => impureModule.test(spec)).map((spec) => `${rel(file)} imports ${spec}`);
      });
    expect(impure).toEqual([]);
  });

  it('each table is read and written by one module only', () => {
    const offenders: string[] = [];
    const sqlFiles = new Set<string>();
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/\b(?:FROM|INTO|UPDATE|JOIN|TABLE)\s+([a-z_]+)\b/g)) {
        const table = match[1] ?? '';
        const owner = TABLE_OWNERS[table];
        if (owner === undefined) continue;
        sqlFiles.add(rel(file));
        if (owner !== rel(file)) offenders.push(`${rel(file)} uses table ${table}, owned by ${owner}`);
      }
    }
    expect(offenders).toEqual([]);
    expect([...sqlFiles].sort()).toEqual([...new Set(Object.values(TABLE_OWNERS))].sort());
  });

  it('every table of the migrations has an owner', () => {
    const migrations = path.join(SRC, '..', 'migrations');
    const text = readdirSync(migrations)
      .map((name) => readFileSync(path.join(migrations, name), 'utf8'))
      .join('\n');
    const renamed = new Set([...text.matchAll(/ALTER TABLE ([a-z_]+) RENAME TO/g)].map((match) => match[1] ?? ''));
    const tables = [...text.matchAll(/CREATE TABLE (?:IF NOT EXISTS )?([a-z_]+)/g)]
      .map((match) => match[1] ?? '')
      .filter((table) => !renamed.has(table));
    expect(tables.filter((table) => !(table in TABLE_OWNERS))).toEqual([]);
  });

  it("README's layout section names every folder of src/", () => {
    const readme = readFileSync(path.join(SRC, '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Layout'), readme.indexOf('- **One owner per table'));
    const folders = readdirSync(SRC, { withFileTypes: true }).filter((entry) => entry.isDirectory());
    expect(folders.filter((folder) => !section.includes(`${folder.name}/`)).map((folder) => folder.name)).toEqual([]);
  });
});
