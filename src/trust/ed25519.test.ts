import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { privateKeyFromSeed, publicKeyFromRaw, rawPublicKey, rawSeed, signEd25519, verifyEd25519 } from './ed25519.js';

// RFC 8032 §7.1, TEST 1 (empty message).
const SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
const PUBLIC = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const SIGNATURE = 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';

describe('raw Ed25519 keys', () => {
  it('reproduces the RFC 8032 test vector from the raw seed', () => {
    const key = privateKeyFromSeed(Buffer.from(SEED, 'hex'));
    expect(rawPublicKey(key).toString('hex')).toBe(PUBLIC);
    expect(rawSeed(key).toString('hex')).toBe(SEED);
    expect(signEd25519(key, Buffer.alloc(0)).toString('hex')).toBe(SIGNATURE);
    expect(verifyEd25519(publicKeyFromRaw(Buffer.from(PUBLIC, 'hex')), Buffer.alloc(0), Buffer.from(SIGNATURE, 'hex'))).toBe(true);
  });

  it('answers false, never throws, on a wrong or malformed signature', () => {
    const publicKey = publicKeyFromRaw(Buffer.from(PUBLIC, 'hex'));
    expect(verifyEd25519(publicKey, Buffer.from('x'), Buffer.from(SIGNATURE, 'hex'))).toBe(false);
    expect(verifyEd25519(publicKey, Buffer.alloc(0), Buffer.alloc(63))).toBe(false);
    expect(verifyEd25519(publicKey, Buffer.alloc(0), Buffer.alloc(64, 0xff))).toBe(false);
  });

  it('refuses keys of the wrong size or type', () => {
    expect(() => privateKeyFromSeed(Buffer.alloc(31))).toThrow(/32 bytes, got 31/);
    expect(() => publicKeyFromRaw(Buffer.alloc(33))).toThrow(/32 bytes, got 33/);
    expect(() => rawPublicKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey)).toThrow(/not an Ed25519 key: ec/);
  });
});
