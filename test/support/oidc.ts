import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './harness.js';

export interface TestAccount {
  name?: string;
  email?: string;
  groups?: string[];
}

export const TEST_CLIENT = { clientId: 'aurgate-test', clientSecret: 'a test client secret of some length' };

/**
 * A real OpenID provider (test/support/oidc-provider-process.ts) as a child process on 127.0.0.1,
 * with one client for `redirectUri`. Accounts live in a JSON file the provider reads at every lookup.
 */
export class TestOidcProvider {
  private constructor(
    readonly issuer: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
    private readonly redirectUri: string,
    private accounts: Record<string, TestAccount>,
  ) {}

  static async start(redirectUri: string, accounts: Record<string, TestAccount>): Promise<TestOidcProvider> {
    const dir = await mkdtemp(path.join(tmpdir(), 'aurgate-oidc-'));
    await writeConfig(dir, redirectUri, accounts);
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'test/support/oidc-provider-process.ts'), configPath(dir)], {
      cwd: REPO_ROOT,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', NODE_ENV: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const issuer = await new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const line = output.split('\n').find((text) => text.startsWith('{"issuer"'));
        if (line) resolve((JSON.parse(line) as { issuer: string }).issuer);
      });
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`the OpenID provider exited (${code}) before serving:\n${output}`)));
    });
    return new TestOidcProvider(issuer, child, dir, redirectUri, accounts);
  }

  /** Changes one account (its groups, its name) as the provider's admins would; effective at its next token. */
  async updateAccount(login: string, account: TestAccount): Promise<void> {
    this.accounts = { ...this.accounts, [login]: account };
    await writeConfig(this.dir, this.redirectUri, this.accounts);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill('SIGTERM');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

function configPath(dir: string): string {
  return path.join(dir, 'provider.json');
}

/** Written aside and renamed into place: the provider never reads half a file. */
async function writeConfig(dir: string, redirectUri: string, accounts: Record<string, TestAccount>): Promise<void> {
  const next = path.join(dir, 'provider.json.next');
  await writeFile(next, JSON.stringify({ ...TEST_CLIENT, redirectUri, accounts }));
  await rename(next, configPath(dir));
}
