import { generateKeyPairSync, verify } from 'node:crypto';
import { fork } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { signAttestation, verifyAttestation } from './attestation.js';
import { openCheckpoint, signCheckpoint } from './checkpoint.js';
import { rawPublicKey, rawSeed } from './ed25519.js';
import { exportPublicKey, importKey, keyIdOf, loadKeyStore, openKeyStore, parsePrivateKey, rotateKey, type KeyStore } from './key-store.js';
import { parseVerifierKey } from './signed-note.js';
import { approvalStatement } from './statement.js';
import { decisionFacts } from '../../test/support/decision-facts.js';

const ORIGIN = 'aurgate.example.com/log';
const tempDir = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'aurgate-keys-')), 'keys');
const mode = (file: string) => statSync(file).mode & 0o777;
const dsseKeys = (store: KeyStore) => store.keys.map((key) => ({ keyid: key.keyid, publicKey: key.publicKey }));
const noteKeys = (store: KeyStore) => store.keys.map((key) => parseVerifierKey(exportPublicKey(key, 'note', ORIGIN)));
const facts = (commit: string) => decisionFacts({ commit, archiveSha256: 'e'.repeat(64) });

describe('signing key store', () => {
  it('creates an Ed25519 key on first use in a 0700 directory, the key file 0600, and loads the same key after', () => {
    const dir = tempDir();
    const store = openKeyStore(dir, new Date('2026-06-01T00:00:00Z'));
    expect(mode(dir)).toBe(0o700);
    expect(readdirSync(dir).sort()).toEqual([`${store.active.keyid}.pem`, 'keys.json']);
    expect(mode(path.join(dir, `${store.active.keyid}.pem`))).toBe(0o600);
    expect(mode(path.join(dir, 'keys.json'))).toBe(0o600);
    expect(store.active.keyid).toBe(keyIdOf(store.active.raw));
    expect(store.active).toMatchObject({ createdAt: '2026-06-01T00:00:00.000Z', retiredAt: null, source: 'generated' });
    expect(store.active.privateKey.asymmetricKeyType).toBe('ed25519');
    expect(openKeyStore(dir).active.keyid).toBe(store.active.keyid);
    expect(loadKeyStore(dir).active.raw).toEqual(store.active.raw);
  });

  it('tightens an existing directory to 0700 when it creates the store in it', () => {
    const dir = tempDir();
    openKeyStore(path.join(dir, 'inner'));
    chmodSync(dir, 0o755);
    openKeyStore(dir);
    expect(mode(dir)).toBe(0o700);
  });

  it('keeps one key when two processes create the store at once (the manifest is published with link)', async () => {
    const dir = tempDir();
    const worker = path.join(path.dirname(dir), 'worker.mjs');
    const module = new URL('./key-store.ts', import.meta.url).href;
    writeFileSync(
      worker,
      `const m = await import(${JSON.stringify(module)});\nprocess.send(m.openKeyStore(process.argv[2]).active.keyid, () => process.disconnect());\n`,
    );
    const run = () =>
      new Promise<string>((resolve, reject) => {
        const child = fork(worker, [dir], { execArgv: ['--import', 'tsx'] });
        child.on('message', (message) => resolve(String(message)));
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? undefined : reject(new Error(`exit ${code}`))));
      });
    const ids = await Promise.all([run(), run(), run()]);
    expect(new Set(ids).size).toBe(1);
    expect(readdirSync(dir).filter((file) => file.endsWith('.pem'))).toEqual([`${ids[0]}.pem`]);
  });

  it('refuses to make a new key beside key files whose manifest is gone (that would change the log identity)', () => {
    const dir = tempDir();
    const store = openKeyStore(dir);
    unlinkSync(path.join(dir, 'keys.json'));
    expect(() => openKeyStore(dir)).toThrow(new RegExp(`holds key files \\(${store.active.keyid}.pem\\) but no keys.json`));
  });

  it('refuses a key file other users can read, and a directory others can write', () => {
    const dir = tempDir();
    const store = openKeyStore(dir);
    chmodSync(path.join(dir, `${store.active.keyid}.pem`), 0o644);
    expect(() => loadKeyStore(dir)).toThrow(/accessible by other users \(mode 644\): chmod 600 it/);
    chmodSync(path.join(dir, `${store.active.keyid}.pem`), 0o600);
    chmodSync(dir, 0o777);
    expect(() => loadKeyStore(dir)).toThrow(/writable by other users/);
  });

  it('rotates: the new key signs, old public keys stay, and what the old key signed still verifies', () => {
    const dir = tempDir();
    const before = openKeyStore(dir, new Date('2026-01-01T00:00:00Z'));
    const oldAttestation = signAttestation(approvalStatement(facts('1'.repeat(40))), before.active);
    const oldCheckpoint = signCheckpoint({ origin: ORIGIN, size: 1, rootHash: Buffer.alloc(32, 1), extensions: [] }, [
      before.active.noteSigner(ORIGIN),
    ]);

    const after = rotateKey(dir, new Date('2026-02-01T00:00:00Z'));
    expect(after.active.keyid).not.toBe(before.active.keyid);
    expect(after.keys.map((key) => [key.keyid, key.retiredAt])).toEqual([
      [before.active.keyid, '2026-02-01T00:00:00.000Z'],
      [after.active.keyid, null],
    ]);
    expect('privateKey' in (after.keys[0] as object)).toBe(false);
    const reloaded = loadKeyStore(dir);
    expect(reloaded.active.keyid).toBe(after.active.keyid);

    const newAttestation = signAttestation(approvalStatement(facts('2'.repeat(40))), reloaded.active);
    for (const signed of [oldAttestation, newAttestation]) expect(() => verifyAttestation(signed.bytes, dsseKeys(reloaded))).not.toThrow();
    expect(openCheckpoint(oldCheckpoint, noteKeys(reloaded), ORIGIN).size).toBe(1);
    // With only the new key pinned, the old signature is (rightly) not trusted.
    expect(() => verifyAttestation(oldAttestation.bytes, [{ keyid: reloaded.active.keyid, publicKey: reloaded.active.publicKey }])).toThrow(
      /not signed by a trusted key/,
    );

    rotateKey(dir);
    expect(loadKeyStore(dir).keys).toHaveLength(3);
  });

  it('refuses a rotation while another one holds the lock', () => {
    const dir = tempDir();
    openKeyStore(dir);
    mkdirSync(path.join(dir, '.lock'));
    expect(() => rotateKey(dir)).toThrow(/being changed by another process/);
  });

  it('imports a key from PEM, a raw seed, hex, base64, or a Go note private key', () => {
    const pair = generateKeyPairSync('ed25519');
    const seed = rawSeed(pair.privateKey);
    const pem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const expected = keyIdOf(rawPublicKey(pair.publicKey));
    for (const material of [Buffer.from(pem), seed, Buffer.from(seed.toString('hex')), Buffer.from(`${seed.toString('base64')}\n`)]) {
      expect(importKey(tempDir(), material).active).toMatchObject({ keyid: expected, source: 'imported' });
    }
    const peter = importKey(tempDir(), Buffer.from('PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'));
    expect(exportPublicKey(peter.active, 'note', 'PeterNeumann')).toBe('PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW');
  });

  it('imports into an existing store as a rotation, refusing a key it already has', () => {
    const dir = tempDir();
    const first = openKeyStore(dir);
    const pair = generateKeyPairSync('ed25519');
    const after = importKey(dir, Buffer.from(pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()));
    expect(after.keys.map((key) => key.keyid)).toEqual([first.active.keyid, after.active.keyid]);
    expect(() => importKey(dir, readFileSync(path.join(dir, `${first.active.keyid}.pem`)))).toThrow(/already in the key store/);
  });

  it('refuses material that is not an Ed25519 private key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => parsePrivateKey(Buffer.from(rsa))).toThrow(/the PEM key is rsa, not Ed25519/);
    expect(() => parsePrivateKey(Buffer.from('hello'))).toThrow(/unrecognised key/);
    expect(() => parsePrivateKey(Buffer.alloc(31))).toThrow(/unrecognised key/);
    expect(() => parsePrivateKey(Buffer.alloc(20_000))).toThrow(/too large/);
  });

  it('exports the public key as a note verifier key, SPKI PEM and raw base64', () => {
    const store = openKeyStore(tempDir());
    const note = exportPublicKey(store.active, 'note', ORIGIN);
    expect(note).toMatch(new RegExp(`^${ORIGIN}\\+[0-9a-f]{8}\\+A[A-Za-z0-9+/]{43}$`));
    expect(parseVerifierKey(note).publicKey.export({ format: 'der', type: 'spki' })).toEqual(
      store.active.publicKey.export({ format: 'der', type: 'spki' }),
    );
    const pem = exportPublicKey(store.active, 'pem');
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=]+\n-----END PUBLIC KEY-----\n$/);
    const message = Buffer.from('m');
    expect(verify(null, message, pem, store.active.sign(message))).toBe(true);
    expect(Buffer.from(exportPublicKey(store.active, 'base64'), 'base64')).toEqual(store.active.raw);
    expect(() => exportPublicKey(store.active, 'note')).toThrow(/needs the key name/);
  });
});
