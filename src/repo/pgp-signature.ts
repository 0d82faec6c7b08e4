import { createHash, sign, type Hash, type KeyObject } from 'node:crypto';

/**
 * OpenPGP v4 detached signatures over binary data (RFC 4880 §5.2.3, EdDSA as in RFC 4880bis "legacy"
 * EdDSA, algorithm 22), which is what pacman's gpgme verifies in `.sig` files and in a database's
 * %PGPSIG%. Built here rather than with openpgp.js's sign(): that keeps a copy of the whole input in
 * memory (a package can be gigabytes), while this hashes a stream and signs the 64-byte digest.
 * openpgp.js still makes and reads the key; test/repo-pacman.test.ts has real gpg and pacman verify
 * what this writes.
 */
export interface PgpSigner {
  /** The Ed25519 private key of the OpenPGP primary key. */
  privateKey: KeyObject;
  /** The key's v4 fingerprint (20 bytes). */
  fingerprint: Uint8Array;
}

const VERSION = 4;
const BINARY_DOCUMENT = 0x00;
const EDDSA_LEGACY = 22;
const SHA512 = 10;
const SUBPACKET_CREATED = 2;
const SUBPACKET_ISSUER = 16;
const SUBPACKET_ISSUER_FINGERPRINT = 33;
const SIGNATURE_PACKET_TAG = 2;

/** A hash over the signed data; feed it the bytes, then hand it to finishSignature. */
export function signatureHash(): Hash {
  return createHash('sha512');
}

/** The binary signature packet over the data fed to `hash`, made at `created`. */
export function finishSignature(signer: PgpSigner, hash: Hash, created: Date): Buffer {
  const hashedPart = hashedFields(signer.fingerprint, created);
  const trailer = Buffer.alloc(6);
  trailer.writeUInt8(VERSION, 0);
  trailer.writeUInt8(0xff, 1);
  trailer.writeUInt32BE(hashedPart.length, 2);
  const digest = hash.update(hashedPart).update(trailer).digest();
  // Legacy EdDSA signs the digest itself; its R and S halves are stored as two MPIs.
  const signature = sign(null, digest, signer.privateKey);
  const keyId = signer.fingerprint.subarray(signer.fingerprint.length - 8);
  const unhashed = subpacket(SUBPACKET_ISSUER, keyId);
  const body = Buffer.concat([
    hashedPart,
    uint16(unhashed.length),
    unhashed,
    digest.subarray(0, 2),
    mpi(signature.subarray(0, 32)),
    mpi(signature.subarray(32)),
  ]);
  return Buffer.concat([packetHeader(SIGNATURE_PACKET_TAG, body.length), body]);
}

/** Version, type, algorithms and the hashed subpackets: the part of the packet the signature covers. */
function hashedFields(fingerprint: Uint8Array, created: Date): Buffer {
  const time = Buffer.alloc(4);
  time.writeUInt32BE(Math.floor(created.getTime() / 1000));
  const subpackets = Buffer.concat([
    subpacket(SUBPACKET_CREATED, time),
    subpacket(SUBPACKET_ISSUER_FINGERPRINT, Buffer.concat([Buffer.from([VERSION]), fingerprint])),
  ]);
  return Buffer.concat([Buffer.from([VERSION, BINARY_DOCUMENT, EDDSA_LEGACY, SHA512]), uint16(subpackets.length), subpackets]);
}

/** A subpacket whose body is shorter than 191 bytes (all of ours): one length octet. */
function subpacket(type: number, body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([body.length + 1, type]), body]);
}

/** A multiprecision integer: the bit count, then the big-endian bytes without leading zeros. */
function mpi(bytes: Uint8Array): Buffer {
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start += 1;
  const value = bytes.subarray(start);
  const bits = value.length === 0 ? 0 : (value.length - 1) * 8 + (32 - Math.clz32(value[0] ?? 0));
  return Buffer.concat([uint16(bits), value]);
}

/** A new-format packet header; our packets are below 8384 bytes, so one or two length octets. */
function packetHeader(tag: number, length: number): Buffer {
  const first = 0xc0 | tag;
  if (length < 192) return Buffer.from([first, length]);
  const rest = length - 192;
  return Buffer.from([first, (rest >> 8) + 192, rest & 0xff]);
}

function uint16(value: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16BE(value);
  return out;
}
