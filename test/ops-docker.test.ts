import { execFile, spawn } from 'node:child_process';
import { cp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '../src/config.js';
import { tempDir } from './support/git-client.js';
import { REPO_ROOT } from './support/harness.js';
import { freePort } from './support/ports.js';
import { outputContains } from './support/until.js';
import { CHILD_HANG_GUARD_MS } from './support/hang-guard.js';

/**
 * The image without an engine, fast, in every `npm test`: the Dockerfile and compose file are read against
 * what the code expects, and every command they run is run here, on the same layout the runtime stage
 * copies (/app with bin, dist, migrations, production node_modules; no src). The image itself is built and
 * run in a real engine by test/docker/container.test.ts (`npm run test:docker`).
 */
interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...options.env },
        timeout: CHILD_HANG_GUARD_MS,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** Dockerfile instructions with line continuations joined and comments dropped. */
function instructions(text: string): string[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

let dockerfile: string[];
let compose: string;
let work: string;
let app: string;
let healthcheck: string[];

/** What `npm prune --omit=dev` leaves: every top-level package the lockfile does not mark dev-only. */
async function productionNodeModules(target: string): Promise<void> {
  const lock = JSON.parse(await readFile(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (!key.startsWith('node_modules/') || key.indexOf('node_modules/', 1) !== -1 || entry.dev) continue;
    const name = key.slice('node_modules/'.length);
    await mkdir(path.dirname(path.join(target, name)), { recursive: true });
    await symlink(path.join(REPO_ROOT, key), path.join(target, name));
  }
}

beforeAll(async () => {
  dockerfile = instructions(await readFile(path.join(REPO_ROOT, 'Dockerfile'), 'utf8'));
  compose = await readFile(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
  const check = dockerfile.find((line) => line.startsWith('HEALTHCHECK'));
  healthcheck = JSON.parse(check?.slice(check.indexOf('CMD') + 3).trim() ?? '[]') as string[];
  work = await tempDir('aurgate-image-');
  app = path.join(work, 'app');
  // `npm run build`, with its output redirected so the checkout's own dist/ (which bin/aurgate.js would prefer) is left alone.
  const build = await run('npm', ['run', 'build', '--', '--outDir', path.join(app, 'dist')], { cwd: REPO_ROOT });
  expect(build.code, build.stdout + build.stderr).toBe(0);
  for (const part of ['bin', 'migrations', 'package.json']) await cp(path.join(REPO_ROOT, part), path.join(app, part), { recursive: true });
  await productionNodeModules(path.join(app, 'node_modules'));
}, 240_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('Dockerfile', () => {
  it('builds in node:20-bookworm-slim with the native toolchain and ships only what runs', () => {
    expect(dockerfile).toContain('ARG NODE_IMAGE=node:20-bookworm-slim');
    expect(dockerfile.filter((line) => line.startsWith('FROM ')).map((line) => line.split(/\s+/).slice(1).join(' '))).toEqual([
      '${NODE_IMAGE} AS builder',
      '${NODE_IMAGE} AS runtime',
    ]);
    const text = dockerfile.join('\n');
    expect(text).toMatch(/apt-get install -y --no-install-recommends python3 make g\+\+/);
    expect(text).toMatch(/RUN npm ci /);
    expect(text).toMatch(/RUN npm run build && npm prune --omit=dev/);
    expect(text).toMatch(/apt-get install -y --no-install-recommends git ca-certificates tini/);
    for (const copy of [
      'COPY --from=builder /app/node_modules ./node_modules',
      'COPY --from=builder /app/dist ./dist',
      'COPY bin ./bin',
      'COPY migrations ./migrations',
    ])
      expect(dockerfile).toContain(copy);
    expect(dockerfile).toContain('USER aurgate');
    expect(dockerfile).toContain('VOLUME /data');
    expect(dockerfile).toContain('EXPOSE 8080');
    expect(text).toMatch(/ENV NODE_ENV=production AURGATE_DATA_DIR=\/data AURGATE_HOST=0\.0\.0\.0 AURGATE_PORT=8080/);
    expect(dockerfile).toContain('ENTRYPOINT ["tini", "--", "node", "bin/aurgate.js"]');
    expect(dockerfile).toContain('CMD ["serve"]');
    expect(healthcheck.slice(0, 2)).toEqual(['node', '-e']);
  });

  it('keeps dependencies, build output and data out of the build context', async () => {
    const ignored = (await readFile(path.join(REPO_ROOT, '.dockerignore'), 'utf8')).split('\n');
    for (const entry of ['node_modules', 'dist', 'data', '.git', '.env']) expect(ignored).toContain(entry);
    for (const needed of ['src', 'bin', 'migrations', 'package.json', 'package-lock.json', 'tsconfig.json']) expect(ignored).not.toContain(needed);
  });
});

describe('the runtime layout, run outside Docker', () => {
  it('`node bin/aurgate.js --help` runs the compiled CLI (there is no src/ to fall back to)', async () => {
    const help = await run(process.execPath, ['bin/aurgate.js', '--help'], { cwd: app });
    expect(help.code, help.stderr).toBe(0);
    for (const command of ['serve', 'lock', 'verify', 'backup', 'restore']) expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
  });

  it('serves with the image defaults; the HEALTHCHECK command passes, fails when down, and SIGTERM exits 0', async () => {
    const port = await freePort();
    const env = {
      AURGATE_DATA_DIR: path.join(work, 'data'),
      AURGATE_HOST: '127.0.0.1',
      AURGATE_PORT: String(port),
      AURGATE_UPSTREAM_URL: 'http://127.0.0.1:9',
      NODE_ENV: 'production',
    };
    const server = spawn(process.execPath, ['bin/aurgate.js', 'serve', '--no-schedule'], {
      cwd: app,
      env: { PATH: process.env['PATH'] ?? '', HOME: work, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let logs = '';
    server.stderr.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
    try {
      // Logged once start-up is complete and the server answers.
      await outputContains(server.stderr, '"msg":"aurgate serving"');
      const [command = '', ...args] = healthcheck;
      const healthy = (await run(command, args, { cwd: app, env: { AURGATE_PORT: String(port) } })).code;
      expect(healthy, logs).toBe(0);
      // The CLI in the image works on the same volume (migrations found beside dist/, database shared).
      const status = await run(process.execPath, ['bin/aurgate.js', 'status'], { cwd: app, env });
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toContain('no sync has run yet');
    } finally {
      server.kill('SIGTERM');
    }
    expect(await exited, logs).toBe(0);
    const [command = '', ...args] = healthcheck;
    expect((await run(command, args, { cwd: app, env: { AURGATE_PORT: String(port) } })).code).toBe(1);
  });

  it('runs the scheduled sync in a worker process started from the compiled build', async () => {
    const port = await freePort();
    const env = {
      AURGATE_DATA_DIR: path.join(work, 'data-sync'),
      AURGATE_HOST: '127.0.0.1',
      AURGATE_PORT: String(port),
      AURGATE_UPSTREAM_URL: 'http://127.0.0.1:9',
      AURGATE_SYNC_SCHEDULE: '* * * * * *',
      // As in the harness: a niced worker would only be starved by the rest of a loaded machine.
      AURGATE_SYNC_WORKER_NICE: '0',
      NODE_ENV: 'production',
    };
    const server = spawn(process.execPath, ['bin/aurgate.js', 'serve'], {
      cwd: app,
      env: { PATH: process.env['PATH'] ?? '', HOME: work, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let logs = '';
    server.stderr.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
    try {
      // runSync logs this line; the worker's log joins the server's stderr.
      await outputContains(server.stderr, '"msg":"sync finished"');
      const finished = logs.split('\n').find((line) => line.includes('"msg":"sync finished"')) ?? '';
      expect(JSON.parse(finished)).toMatchObject({ process: 'sync-worker', status: 'ok' });
    } finally {
      server.kill('SIGTERM');
    }
    expect(await exited, logs).toBe(0);
  });

  it('needs no dev dependency at run time (every package the compiled code imports is a production one)', async () => {
    const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const listing = await run('grep', ['-rhoE', "from '[^.'][^']*'|import\\('[^.'][^']*'\\)", path.join(app, 'dist')], { cwd: app });
    const specifiers = new Set([...listing.stdout.matchAll(/'([^']+)'/g)].map((match) => match[1] ?? ''));
    expect(specifiers).toContain('better-sqlite3');
    for (const specifier of specifiers) {
      if (specifier.startsWith('node:')) continue;
      const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] ?? '');
      expect(Object.keys(pkg.dependencies), specifier).toContain(name);
    }
  });
});

describe('docker-compose.yml and deploy/', () => {
  const composeOnly = new Set(['AURGATE_BIND', 'AURGATE_HTTP_PORT', 'AURGATE_DOMAIN']);

  it('uses only variables aurgate knows (plus the few compose itself substitutes)', async () => {
    const known = new Set(CONFIG_VARIABLES.map((variable) => variable.name));
    const texts = [compose, dockerfile.join('\n'), await readFile(path.join(REPO_ROOT, 'deploy/aurgate.env.example'), 'utf8')];
    const used = new Set(texts.flatMap((text) => [...text.matchAll(/\bAURGATE_[A-Z_]+/g)].map((match) => match[0])));
    for (const name of used) expect(known.has(name) || composeOnly.has(name), name).toBe(true);
    expect(used.has('AURGATE_PUBLIC_URL')).toBe(true);
  });

  it('runs the service with a named volume, restart policy, port, a grace period longer than the server waits, and the same healthcheck', () => {
    for (const line of ['  aurgate:', '    restart: unless-stopped', '      - aurgate-data:/data', '  aurgate-data:', '    stop_grace_period: 45s'])
      expect(compose.split('\n')).toContain(line);
    expect(compose).toMatch(/- "\$\{AURGATE_BIND:-127\.0\.0\.1\}:\$\{AURGATE_HTTP_PORT:-8080\}:8080"/);
    const test = /healthcheck:\n\s+test: (\[.*\])/.exec(compose)?.[1];
    expect(JSON.parse(test ?? '[]')).toEqual(['CMD', ...healthcheck]);
  });

  it('puts Caddy under the https profile, proxying to the service and hiding /metrics', async () => {
    expect(compose).toMatch(/caddy:\n\s+image: caddy:2\n\s+profiles: \["https"\]/);
    expect(compose).toContain('./deploy/Caddyfile:/etc/caddy/Caddyfile:ro');
    const caddyfile = await readFile(path.join(REPO_ROOT, 'deploy/Caddyfile'), 'utf8');
    expect(caddyfile).toMatch(/^\{\$AURGATE_DOMAIN\} \{$/m);
    expect(caddyfile).toMatch(/reverse_proxy aurgate:8080 \{/);
    expect(caddyfile).toMatch(/@metrics path \/metrics\n\s+respond @metrics 404/);
  });

  it('is valid YAML (checked with PyYAML when this machine has it)', async () => {
    const parsed = await run(
      'python3',
      ['-c', 'import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', path.join(REPO_ROOT, 'docker-compose.yml')],
      { cwd: REPO_ROOT },
    );
    if (parsed.code !== 0 && parsed.stderr.includes('No module named')) return;
    expect(parsed.code, parsed.stderr).toBe(0);
    const doc = JSON.parse(parsed.stdout) as { services: Record<string, { healthcheck?: { test: string[] } }> };
    expect(Object.keys(doc.services).sort()).toEqual(['aurgate', 'caddy']);
    expect(doc.services['aurgate']?.healthcheck?.test).toEqual(['CMD', ...healthcheck]);
  });
});

it('the healthcheck one-liner is plain node (no curl in the image)', async () => {
  const script = path.join(work, 'probe.sh');
  await writeFile(script, `exec ${healthcheck.map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ')}\n`);
  const down = await run('sh', [script], { cwd: work, env: { AURGATE_PORT: String(await freePort()) } });
  expect(down.code).toBe(1);
});
