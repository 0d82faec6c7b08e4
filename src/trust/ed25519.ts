import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/**
 * Raw Ed25519 keys (RFC 8032: 32-byte seed, 32-byte public key) to and from node:crypto key objects.
 * The fixed DER prefixes are RFC 8410's PKCS#8 and SPKI encodings for Ed25519; with them a raw key
 * needs no parser library.
 */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
export const ED25519_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;

export function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== ED25519_KEY_BYTES) throw new TypeError(`an Ed25519 seed is ${ED25519_KEY_BYTES} bytes, got ${seed.length}`);
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== ED25519_KEY_BYTES) throw new TypeError(`an Ed25519 public key is ${ED25519_KEY_BYTES} bytes, got ${raw.length}`);
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** The 32 raw bytes of an Ed25519 public key (or of the public half of a private key). */
export function rawPublicKey(key: KeyObject): Buffer {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new TypeError(`not an Ed25519 key: ${publicKey.asymmetricKeyType ?? 'unknown'}`);
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return der.subarray(der.length - ED25519_KEY_BYTES);
}

export function rawSeed(key: KeyObject): Buffer {
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ed25519') throw new TypeError('not an Ed25519 private key');
  const der = key.export({ format: 'der', type: 'pkcs8' });
  return der.subarray(der.length - ED25519_KEY_BYTES);
}

export function signEd25519(privateKey: KeyObject, message: Uint8Array): Buffer {
  return sign(null, message, privateKey);
}

/** False for a wrong signature, a wrong length or a malformed key: never throws on hostile input. */
export function verifyEd25519(publicKey: KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== ED25519_SIGNATURE_BYTES) return false;
  try {
    return verify(null, message, publicKey, signature);
  } catch {
    return false;
  }
}
