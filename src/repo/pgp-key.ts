import { chmodSync, createReadStream, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { generateKey, readPrivateKey, type PrivateKey } from 'openpgp';
import { NotFound, StorageError } from '../errors.js';
import { privateKeyFromSeed, rawPublicKey } from '../trust/ed25519.js';
import { finishSignature, signatureHash, type PgpSigner } from './pgp-signature.js';

/**
 * The OpenPGP key that signs the pacman repository: packages and databases. One v4 Ed25519 (legacy
 * EdDSA) primary key, which gpgme 1.18 / GnuPG 2.2 (pacman 6.0.2's) verify, kept unencrypted as an
 * armored file `private.asc` (mode 0600) in a directory of mode 0700, like the log's keys
 * (src/trust/key-store.ts). Users trust it once (`pacman-key --lsign-key`): it is created on first
 * use and never replaced by this code; a file that cannot be read is an error, not a reason for a
 * new key.
 */
export interface RepoKey {
  /** 40 upper-case hex digits, as pacman-key and gpg print it. */
  readonly fingerprint: string;
  readonly userId: string;
  readonly createdAt: Date;
  /** What `pacman-key --add` imports. */
  readonly armoredPublicKey: string;
  /** A binary detached signature (what pacman reads from a `.sig` file). */
  signDetached(bytes: Uint8Array, now?: Date): Buffer;
  /** The same over a file's bytes, streamed (a package may be larger than memory should hold). */
  signFile(file: string, now?: Date): Promise<Buffer>;
}

const KEY_FILE = 'private.asc';
const MAX_KEY_FILE_BYTES = 64 * 1024;
const USER_ID_NAME = 'aurgate repository signing key';

/** The e-mail part of the key's user ID for a server reached at `host` (the public URL's host name). */
export function repoKeyEmail(host: string): string {
  return `aurgate@${host.replace(/[^A-Za-z0-9.-]/g, '') || 'localhost'}`;
}

/**
 * Loads the key in `dir`, creating it on first use. Safe when two processes start at once: each
 * writes its own candidate and link() (which fails if the name exists) lets one of them win; the
 * other loads the winner's key.
 */
export async function openRepoKey(dir: string, options: { host: string; now?: Date }): Promise<RepoKey> {
  const file = path.join(dir, KEY_FILE);
  if (!exists(file)) {
    ensureDirectory(dir);
    const created = await generateKey({
      type: 'ecc',
      curve: 'ed25519Legacy',
      userIDs: [{ name: USER_ID_NAME, email: repoKeyEmail(options.host) }],
      subkeys: [],
      date: options.now ?? new Date(),
      format: 'armored',
    });
    const temp = path.join(dir, `.${KEY_FILE}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    writeFileSync(temp, created.privateKey, { mode: 0o600, flag: 'wx' });
    try {
      linkSync(temp, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new StorageError(`cannot create the repository key ${file}`, { cause: error });
    } finally {
      unlinkSync(temp);
    }
  }
  return loadRepoKey(dir);
}

/** Loads the key in `dir`; NotFound when there is none yet. */
export async function loadRepoKey(dir: string): Promise<RepoKey> {
  const file = path.join(dir, KEY_FILE);
  if (!exists(file)) throw new NotFound(`no repository signing key in ${dir}`);
  checkModes(dir, file);
  let key: PrivateKey;
  try {
    const size = statSync(file).size;
    if (size > MAX_KEY_FILE_BYTES) throw new Error(`${size} bytes is too large for a key`);
    key = await readPrivateKey({ armoredKey: readFileSync(file, 'utf8') });
  } catch (error) {
    throw new StorageError(
      `the repository signing key ${file} is unreadable (restore it from a backup; a new key would need every client to trust it anew)`,
      {
        cause: error,
      },
    );
  }
  return repoKeyOf(key, file);
}

async function repoKeyOf(key: PrivateKey, file: string): Promise<RepoKey> {
  const signer = signerOf(key, file);
  const armoredPublicKey = key.toPublic().armor();
  const userId = key.getUserIDs()[0] ?? '';
  return {
    fingerprint: key.getFingerprint().toUpperCase(),
    userId,
    createdAt: key.getCreationTime(),
    armoredPublicKey,
    signDetached: (bytes, now = new Date()) => finishSignature(signer, signatureHash().update(bytes), now),
    signFile: async (target, now = new Date()) => {
      const hash = signatureHash();
      for await (const chunk of createReadStream(target)) hash.update(chunk as Buffer);
      return finishSignature(signer, hash, now);
    },
  };
}

/** The Ed25519 seed of the primary key, checked against its public half: a damaged file must not sign. */
function signerOf(key: PrivateKey, file: string): PgpSigner {
  const packet = key.keyPacket;
  const info = packet.getAlgorithmInfo();
  const seed = ('privateParams' in packet ? (packet.privateParams as { seed?: unknown } | null) : null)?.seed;
  const q = (packet.publicParams as { Q?: unknown }).Q;
  const fingerprint = packet.getFingerprintBytes();
  if (packet.version !== 4 || info.algorithm !== 'eddsaLegacy' || !(seed instanceof Uint8Array) || !(q instanceof Uint8Array) || !fingerprint)
    throw new StorageError(`${file} is not an unencrypted v4 Ed25519 OpenPGP key`);
  const privateKey = privateKeyFromSeed(seed);
  // Q is 0x40 followed by the 32-byte public key (the "native" point encoding).
  if (!rawPublicKey(privateKey).equals(Buffer.from(q.subarray(1)))) throw new StorageError(`${file}: the private key does not match its public key`);
  return { privateKey, fingerprint };
}

function exists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new StorageError(`cannot read ${file}`, { cause: error });
  }
}

function ensureDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir leaves an existing directory's mode alone: set it.
  chmodSync(dir, 0o700);
}

function checkModes(dir: string, file: string): void {
  const dirMode = statSync(dir).mode & 0o777;
  if (dirMode & 0o022)
    throw new StorageError(`the repository key directory ${dir} is writable by other users (mode ${dirMode.toString(8)}): chmod 700 it`);
  const fileMode = statSync(file).mode & 0o777;
  if (fileMode & 0o077)
    throw new StorageError(`the repository key ${file} is accessible by other users (mode ${fileMode.toString(8)}): chmod 600 it`);
}
