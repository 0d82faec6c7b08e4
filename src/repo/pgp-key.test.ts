import { fork } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createMessage, readKey, readSignature, verify } from 'openpgp';
import { describe, expect, it } from 'vitest';
import { loadRepoKey, openRepoKey, type RepoKey } from './pgp-key.js';

const tempDir = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'aurgate-repo-key-')), 'repo-key');
const mode = (file: string) => statSync(file).mode & 0o777;

/** Verifies with openpgp.js: an implementation independent of the one that wrote the signature. */
async function verifies(key: RepoKey, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
  const result = await verify({
    message: await createMessage({ binary: data }),
    signature: await readSignature({ binarySignature: signature }),
    verificationKeys: await readKey({ armoredKey: key.armoredPublicKey }),
  });
  try {
    return (await result.signatures[0]?.verified) === true;
  } catch {
    return false;
  }
}

describe('repository signing key', () => {
  it('is created on first use in a 0700 directory, the key file 0600, and loaded unchanged after', async () => {
    const dir = tempDir();
    const key = await openRepoKey(dir, { host: 'aurgate.example.com' });
    expect(mode(dir)).toBe(0o700);
    expect(readdirSync(dir)).toEqual(['private.asc']);
    expect(mode(path.join(dir, 'private.asc'))).toBe(0o600);
    expect(key.fingerprint).toMatch(/^[0-9A-F]{40}$/);
    expect(key.userId).toBe('aurgate repository signing key <aurgate@aurgate.example.com>');
    expect(key.armoredPublicKey).toContain('-----BEGIN PGP PUBLIC KEY BLOCK-----');
    expect(key.armoredPublicKey).not.toContain('PRIVATE');
    const public_ = await readKey({ armoredKey: key.armoredPublicKey });
    expect(public_.getAlgorithmInfo()).toEqual({ algorithm: 'eddsaLegacy', curve: 'ed25519Legacy' });
    expect(public_.keyPacket.version).toBe(4);
    expect((await openRepoKey(dir, { host: 'other.example.com' })).fingerprint).toBe(key.fingerprint);
    expect((await loadRepoKey(dir)).armoredPublicKey).toBe(key.armoredPublicKey);
  });

  it('signs bytes and files with detached binary signatures that openpgp.js verifies, and only over those bytes', async () => {
    const key = await openRepoKey(tempDir(), { host: 'localhost' });
    const data = Buffer.from('a package, or a database\n'.repeat(1000));
    const signature = key.signDetached(data);
    expect(signature[0]).toBe(0xc2); // a binary signature packet, not armor
    expect(await verifies(key, data, signature)).toBe(true);
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'aurgate-sign-')), 'pkg.tar.zst');
    writeFileSync(file, data);
    expect(await verifies(key, data, await key.signFile(file))).toBe(true);
    const tampered = Buffer.from(data);
    tampered.writeUInt8(tampered.readUInt8(500) ^ 1, 500);
    expect(await verifies(key, tampered, signature)).toBe(false);
  });

  it('keeps one key when two processes create it at once', async () => {
    const dir = tempDir();
    const worker = path.join(path.dirname(dir), 'worker.mjs');
    const module = new URL('./pgp-key.ts', import.meta.url).href;
    writeFileSync(
      worker,
      `const m = await import(${JSON.stringify(module)});\nconst key = await m.openRepoKey(process.argv[2], { host: 'localhost' });\nprocess.send(key.fingerprint, () => process.disconnect());\n`,
    );
    const run = () =>
      new Promise<string>((resolve, reject) => {
        const child = fork(worker, [dir], { execArgv: ['--import', 'tsx'] });
        child.on('message', (message) => resolve(String(message)));
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? undefined : reject(new Error(`exit ${code}`))));
      });
    const fingerprints = await Promise.all([run(), run(), run()]);
    expect(new Set(fingerprints).size).toBe(1);
    expect(readdirSync(dir)).toEqual(['private.asc']);
  });

  it('never replaces a damaged key with a new one', async () => {
    const dir = tempDir();
    await openRepoKey(dir, { host: 'localhost' });
    writeFileSync(path.join(dir, 'private.asc'), 'not a key');
    await expect(openRepoKey(dir, { host: 'localhost' })).rejects.toThrow(/private.asc is unreadable \(restore it from a backup/);
    expect(readFileSync(path.join(dir, 'private.asc'), 'utf8')).toBe('not a key');
  });

  it('refuses a key file other users can read, and a directory others can write', async () => {
    const dir = tempDir();
    await openRepoKey(dir, { host: 'localhost' });
    chmodSync(path.join(dir, 'private.asc'), 0o644);
    await expect(loadRepoKey(dir)).rejects.toThrow(/accessible by other users \(mode 644\): chmod 600 it/);
    chmodSync(path.join(dir, 'private.asc'), 0o600);
    chmodSync(dir, 0o777);
    await expect(loadRepoKey(dir)).rejects.toThrow(/writable by other users/);
  });

  it('is NotFound before it exists when only loaded', async () => {
    await expect(loadRepoKey(tempDir())).rejects.toMatchObject({ code: 'not_found' });
  });
});
