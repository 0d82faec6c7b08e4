import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { Busy, InvalidInput, NotFound, StorageError } from '../errors.js';
import { privateKeyFromSeed, rawPublicKey, signEd25519, ED25519_KEY_BYTES } from './ed25519.js';
import { formatVerifierKey, noteSigner, NOTE_SIG_ED25519, type NoteSigner } from './signed-note.js';

/**
 * The signing keys: Ed25519, one PKCS#8 PEM file per key (`<keyid>.pem`, mode 0600) and a manifest
 * (`keys.json`) in a directory of mode 0700. The newest key signs; keys retired by a rotation stay so
 * their public halves keep verifying what they signed. A key id is the hex SHA-256 of the raw public
 * key: it names the key in DSSE signatures whatever the note key name (the log origin) is.
 */
export interface KeyInfo {
  keyid: string;
  /** ISO 8601. */
  createdAt: string;
  retiredAt: string | null;
  source: 'generated' | 'imported';
  publicKey: KeyObject;
  /** The 32-byte raw public key. */
  raw: Buffer;
}

export interface SigningKey extends KeyInfo {
  privateKey: KeyObject;
  sign(message: Uint8Array): Buffer;
  /** A C2SP signed-note signer for this key under `name` (the log origin). */
  noteSigner(name: string): NoteSigner;
}

export interface KeyStore {
  dir: string;
  active: SigningKey;
  /** Every key, oldest first; the active one is last. */
  keys: KeyInfo[];
}

export type PublicKeyFormat = 'note' | 'pem' | 'base64';

const MANIFEST = 'keys.json';
const LOCK = '.lock';
const MAX_KEY_FILE_BYTES = 16 * 1024;

const manifestSchema = z.object({
  version: z.literal(1),
  active: z.string().regex(/^[0-9a-f]{64}$/),
  keys: z
    .array(
      z.object({
        keyid: z.string().regex(/^[0-9a-f]{64}$/),
        createdAt: z.string(),
        retiredAt: z.string().nullable(),
        source: z.enum(['generated', 'imported']),
      }),
    )
    .min(1),
});
type Manifest = z.infer<typeof manifestSchema>;

export function keyIdOf(rawPublic: Uint8Array): string {
  return createHash('sha256').update(rawPublic).digest('hex');
}

/** Loads the key store in `dir`, creating it with a new key on first use. Safe when two processes start at once. */
export function openKeyStore(dir: string, now = new Date()): KeyStore {
  if (!existsSync(path.join(dir, MANIFEST))) {
    ensureDirectory(dir);
    // Under the store's lock: another process creating the store at the same moment has written its
    // key file but not yet its manifest, which must not read as an orphaned key.
    withStoreLock(dir, CREATION_WAIT_MS, () => {
      if (existsSync(path.join(dir, MANIFEST))) return;
      // Key files without their manifest: making a new key would silently change the log's identity.
      const orphans = readdirSync(dir).filter((file) => file.endsWith('.pem'));
      if (orphans.length > 0)
        throw new StorageError(`${dir} holds key files (${orphans.join(', ')}) but no ${MANIFEST}: restore it, or import the key`);
      createStore(dir, generateKeyPairSync('ed25519').privateKey, 'generated', now);
    });
  }
  return loadKeyStore(dir);
}

/** How long a process opening the store waits for another one that is creating it (a key and a file or two). */
const CREATION_WAIT_MS = 30_000;

/**
 * Runs `change` holding the store's lock (a directory: mkdir is atomic), waiting up to `waitMs` for
 * another holder. The store is opened synchronously at start-up, so the wait is a blocking sleep
 * (Atomics.wait); it only happens when two processes create or change the store at once.
 */
function withStoreLock<T>(dir: string, waitMs: number, change: () => T): T {
  const lock = path.join(dir, LOCK);
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      mkdirSync(lock, { mode: 0o700 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || Date.now() >= deadline)
        throw new Busy(`the key store ${dir} is being changed by another process (if none is, remove ${lock})`, { cause: error });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
  try {
    return change();
  } finally {
    rmdirSync(lock);
  }
}

export function loadKeyStore(dir: string): KeyStore {
  const manifestFile = path.join(dir, MANIFEST);
  if (!existsSync(manifestFile)) throw new NotFound(`no signing key in ${dir}`);
  checkDirectory(dir);
  let manifest: Manifest;
  try {
    manifest = manifestSchema.parse(JSON.parse(readFileSync(manifestFile, 'utf8')));
  } catch (error) {
    throw new StorageError(`the key manifest ${manifestFile} is unreadable`, { cause: error });
  }
  const keys = manifest.keys.map((record) => loadKey(dir, record));
  const active = keys.find((key) => key.keyid === manifest.active);
  if (!active || active.retiredAt !== null) throw new StorageError(`the key manifest ${manifestFile} names no usable active key`);
  return { dir, active, keys: keys.map(publicOnly) };
}

/** Retires the active key and makes a new one active. Old public keys stay for verification. */
export function rotateKey(dir: string, now = new Date()): KeyStore {
  return addKey(dir, generateKeyPairSync('ed25519').privateKey, 'generated', now);
}

/**
 * Adds an existing private key and makes it active (on first use it becomes the only key). Accepts a
 * PKCS#8 PEM file, a Go note private key (`PRIVATE+KEY+<name>+<hash>+<base64>`), a raw 32-byte seed, or
 * the seed as 64 hex digits or base64.
 */
export function importKey(dir: string, material: Uint8Array, now = new Date()): KeyStore {
  const privateKey = parsePrivateKey(material);
  if (!existsSync(path.join(dir, MANIFEST))) {
    ensureDirectory(dir);
    const created = withStoreLock(dir, CREATION_WAIT_MS, () => {
      if (existsSync(path.join(dir, MANIFEST))) return false;
      createStore(dir, privateKey, 'imported', now);
      return true;
    });
    if (created) return loadKeyStore(dir);
  }
  return addKey(dir, privateKey, 'imported', now);
}

export function exportPublicKey(key: KeyInfo, format: PublicKeyFormat, noteName?: string): string {
  switch (format) {
    case 'note':
      if (!noteName) throw new InvalidInput('a note verifier key needs the key name (the log origin)');
      return formatVerifierKey(noteName, key.raw);
    case 'pem':
      return key.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    case 'base64':
      return key.raw.toString('base64');
  }
}

export function parsePrivateKey(material: Uint8Array): KeyObject {
  if (material.length > MAX_KEY_FILE_BYTES) throw new InvalidInput('the key file is too large to be a key');
  const bytes = Buffer.from(material);
  if (bytes.length === ED25519_KEY_BYTES) return privateKeyFromSeed(bytes);
  const text = bytes.toString('utf8').trim();
  if (text.includes('-----BEGIN')) {
    let key: KeyObject;
    try {
      key = createPrivateKey(text);
    } catch (error) {
      throw new InvalidInput('the PEM file holds no readable private key', { cause: error });
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new InvalidInput(`the PEM key is ${key.asymmetricKeyType ?? 'unknown'}, not Ed25519`);
    return key;
  }
  const goKey = /^PRIVATE\+KEY\+[^+\s]+\+[0-9a-f]{8}\+([A-Za-z0-9+/=]+)$/.exec(text);
  if (goKey) {
    const decoded = Buffer.from(goKey[1] as string, 'base64');
    if (decoded.length === 1 + ED25519_KEY_BYTES && decoded[0] === NOTE_SIG_ED25519) return privateKeyFromSeed(decoded.subarray(1));
  }
  if (/^[0-9a-fA-F]{64}$/.test(text)) return privateKeyFromSeed(Buffer.from(text, 'hex'));
  const base64 = Buffer.from(text, 'base64');
  if (/^[A-Za-z0-9+/]{43}=$/.test(text) && base64.length === ED25519_KEY_BYTES) return privateKeyFromSeed(base64);
  throw new InvalidInput('unrecognised key: expected an Ed25519 PKCS#8 PEM, a Go note private key, or a 32-byte seed (raw, hex or base64)');
}

function createStore(dir: string, privateKey: KeyObject, source: KeyInfo['source'], now: Date): void {
  ensureDirectory(dir);
  const keyid = writeKeyFile(dir, privateKey);
  const manifest: Manifest = { version: 1, active: keyid, keys: [{ keyid, createdAt: now.toISOString(), retiredAt: null, source }] };
  const temp = writeTemp(dir, manifest);
  try {
    // link() fails if the manifest exists: of two processes creating the store at once, one wins.
    linkSync(temp, path.join(dir, MANIFEST));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new StorageError(`cannot create the key store in ${dir}`, { cause: error });
    if (!loadKeyStore(dir).keys.some((key) => key.keyid === keyid)) unlinkSync(path.join(dir, `${keyid}.pem`));
  } finally {
    unlinkSync(temp);
  }
}

function addKey(dir: string, privateKey: KeyObject, source: KeyInfo['source'], now: Date): KeyStore {
  const current = loadKeyStore(dir);
  // A rotation or import does not wait: two at once is an operator's mistake, reported as Busy.
  withStoreLock(dir, 0, () => {
    const keyid = keyIdOf(rawPublicKey(privateKey));
    if (current.keys.some((key) => key.keyid === keyid)) throw new InvalidInput(`key ${keyid} is already in the key store`);
    writeKeyFile(dir, privateKey);
    const at = now.toISOString();
    const manifest: Manifest = {
      version: 1,
      active: keyid,
      keys: [
        ...current.keys.map((key) => ({ keyid: key.keyid, createdAt: key.createdAt, retiredAt: key.retiredAt ?? at, source: key.source })),
        { keyid, createdAt: at, retiredAt: null, source },
      ],
    };
    renameSync(writeTemp(dir, manifest), path.join(dir, MANIFEST));
  });
  return loadKeyStore(dir);
}

function loadKey(dir: string, record: Manifest['keys'][number]): SigningKey {
  const file = path.join(dir, `${record.keyid}.pem`);
  checkPrivate(file);
  const privateKey = parsePrivateKey(readFileSync(file));
  const raw = rawPublicKey(privateKey);
  if (keyIdOf(raw) !== record.keyid) throw new StorageError(`${file} does not hold key ${record.keyid}`);
  return {
    ...record,
    publicKey: createPublicKey(privateKey),
    raw,
    privateKey,
    sign: (message) => signEd25519(privateKey, message),
    noteSigner: (name) => noteSigner(name, privateKey),
  };
}

/** Retired keys never sign again: the store hands out only their public halves. */
function publicOnly(key: SigningKey): KeyInfo {
  return { keyid: key.keyid, createdAt: key.createdAt, retiredAt: key.retiredAt, source: key.source, publicKey: key.publicKey, raw: key.raw };
}

function writeKeyFile(dir: string, privateKey: KeyObject): string {
  const keyid = keyIdOf(rawPublicKey(privateKey));
  const file = path.join(dir, `${keyid}.pem`);
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  try {
    writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new StorageError(`cannot write ${file}`, { cause: error });
  }
  return keyid;
}

function writeTemp(dir: string, manifest: Manifest): string {
  const temp = path.join(dir, `${MANIFEST}.${process.pid}.${Date.now()}.tmp`);
  writeFileSync(temp, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return temp;
}

function ensureDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir leaves an existing directory's mode alone, and the umask may have narrowed nothing: set it.
  chmodSync(dir, 0o700);
}

function checkDirectory(dir: string): void {
  const mode = statSync(dir).mode & 0o777;
  if (mode & 0o022) throw new StorageError(`the key directory ${dir} is writable by other users (mode ${mode.toString(8)}): chmod 700 it`);
}

function checkPrivate(file: string): void {
  let mode: number;
  try {
    mode = statSync(file).mode & 0o777;
  } catch (error) {
    throw new StorageError(`the signing key ${file} is missing`, { cause: error });
  }
  if (mode & 0o077) throw new StorageError(`the signing key ${file} is accessible by other users (mode ${mode.toString(8)}): chmod 600 it`);
}
