import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/harness.js';
import { CHILD_HANG_GUARD_MS } from './support/hang-guard.js';
import { HARDENING_FLAGS } from './support/aurgate-container.js';

/**
 * docker-compose.yml against the Compose Specification's JSON schema (the schema Compose v2 loads files
 * with), through dclint, which ships it; and the hardening it declares, which test/docker/container.test.ts
 * runs the image with.
 */
interface LintReport {
  messages: Array<{ rule: string; type: string; message: string }>;
  errorCount: number;
}

/** dclint's opinions that do not fit here, each for a reason; its schema check (`invalid-schema`) always runs. */
const DISABLED_RULES = [
  // `build` with `image` is how compose names the image it builds.
  'no-build-and-image',
  // aurgate:latest is that locally built image, not a pulled one.
  'service-image-require-explicit-tag',
  // Caddy's 80/443 are public on purpose, on IPv4 and IPv6 alike (an explicit 0.0.0.0 would drop IPv6).
  'no-unbound-port-interfaces',
  // Key order and quoting style.
  'service-keys-order',
  'require-quotes-in-ports',
];

function dclint(file: string): Promise<{ code: number; report: LintReport[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    // From node_modules/.bin, which npm and npx put on PATH.
    execFile(
      'dclint',
      [file, '--formatter', 'json', '--color', 'false', '--disable-rule', ...DISABLED_RULES],
      { cwd: REPO_ROOT, timeout: CHILD_HANG_GUARD_MS },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(new Error(`dclint (devDependency) did not run: ${error.message}`));
        else resolve({ code: error ? Number(error.code) : 0, report: JSON.parse(stdout || '[]') as LintReport[], stderr });
      },
    );
  });
}

let compose: string;
beforeAll(async () => {
  compose = await readFile(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
});

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', async () => {
    const result = await dclint('docker-compose.yml');
    const errors = result.report.flatMap((file) => file.messages.filter((message) => message.type === 'error'));
    expect(errors, result.stderr).toEqual([]);
    expect(result.code).toBe(0);
  });

  it('the same check rejects a misspelt key (it would catch a broken edit)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aurgate-compose-'));
    const broken = path.join(dir, 'docker-compose.yml');
    await writeFile(broken, compose.replace('    read_only: true\n', '    read_onyl: true\n'));
    const result = await dclint(broken);
    expect(result.code).not.toBe(0);
    expect(result.report.flatMap((file) => file.messages.map((message) => message.rule))).toContain('invalid-schema');
  });

  it('hardens the aurgate service as the container tests run it', () => {
    const service = compose.slice(compose.indexOf('  aurgate:\n'), compose.indexOf('  caddy:\n'));
    expect(service).toContain('    read_only: true\n');
    expect(service).toContain('    cap_drop: [ALL]\n');
    expect(service).toContain('    security_opt: ["no-new-privileges:true"]\n');
    const tmpfs = /^ {4}tmpfs:\n {6}- (\S+)$/m.exec(service)?.[1];
    expect(tmpfs).toBeDefined();
    // Flag for flag what the container tests pass to `docker run`.
    expect(HARDENING_FLAGS).toEqual(['--read-only', '--tmpfs', tmpfs, '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges:true']);
  });

  it('publishes aurgate on the loopback unless AURGATE_BIND says otherwise; Caddy keeps 80 and 443', () => {
    expect(compose).toContain('      - "${AURGATE_BIND:-127.0.0.1}:${AURGATE_HTTP_PORT:-8080}:8080"\n');
    for (const port of ['"80:80"', '"443:443"', '"443:443/udp"']) expect(compose).toContain(`      - ${port}\n`);
  });
});
