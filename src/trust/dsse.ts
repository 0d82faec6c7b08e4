import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { canonicalJsonBytes } from './canonical-json.js';
import { verifyEd25519 } from './ed25519.js';
import { TamperedError } from './errors.js';

/**
 * DSSE (https://github.com/secure-systems-lab/dsse, protocol v1.0): the signature covers
 * PAE(payloadType, payload) = "DSSEv1" SP len(type) SP type SP len(body) SP body, lengths in ASCII
 * decimal bytes. Hand-written: PAE is one line, and the npm DSSE code lives inside sigstore's client
 * stack (keyless signing, TUF roots), far more than signing with our own key needs.
 */
export const INTOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
/** An envelope is one log entry, and C2SP entry bundles cap an entry at 65535 bytes. */
export const MAX_ENVELOPE_BYTES = 0xffff;
const MAX_SIGNATURES = 16;

export interface DsseSignature {
  keyid: string;
  /** base64 of the Ed25519 signature over PAE(payloadType, payload). */
  sig: string;
}

export interface DsseEnvelope {
  payloadType: string;
  /** base64 of the payload bytes. */
  payload: string;
  signatures: DsseSignature[];
}

export interface DsseSigner {
  keyid: string;
  sign(message: Uint8Array): Buffer;
}

export interface DsseKey {
  keyid: string;
  publicKey: KeyObject;
}

export interface VerifiedEnvelope {
  payloadType: string;
  payload: Buffer;
  /** The trusted keys whose signatures verified. */
  keyids: string[];
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const envelopeSchema = z.object({
  payloadType: z.string().min(1).max(256),
  payload: z.string().regex(BASE64),
  signatures: z
    .array(z.object({ keyid: z.string().max(256).default(''), sig: z.string().min(1).max(1024).regex(BASE64) }))
    .min(1)
    .max(MAX_SIGNATURES),
});

/** PAE: the exact bytes a DSSE signature covers. */
export function pae(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

export function signEnvelope(payloadType: string, payload: Uint8Array, signers: readonly DsseSigner[]): DsseEnvelope {
  if (signers.length === 0) throw new TypeError('an envelope needs at least one signer');
  const message = pae(payloadType, payload);
  return {
    payloadType,
    payload: Buffer.from(payload).toString('base64'),
    signatures: signers.map((signer) => ({ keyid: signer.keyid, sig: signer.sign(message).toString('base64') })),
  };
}

/**
 * Checks the envelope's signatures against trusted keys. Signatures by unknown key ids are ignored;
 * a failing signature by a trusted key means the envelope was altered and rejects it; at least one
 * trusted signature must verify.
 */
export function verifyEnvelope(envelope: DsseEnvelope, keys: readonly DsseKey[], expectedPayloadType = INTOTO_PAYLOAD_TYPE): VerifiedEnvelope {
  if (envelope.payloadType !== expectedPayloadType) {
    throw new TamperedError(
      'malformed',
      `the envelope's payload type is ${JSON.stringify(envelope.payloadType.slice(0, 100))}, expected ${expectedPayloadType}`,
    );
  }
  const payload = Buffer.from(envelope.payload, 'base64');
  const message = pae(envelope.payloadType, payload);
  const keyids: string[] = [];
  for (const signature of envelope.signatures) {
    const key = keys.find((candidate) => candidate.keyid === signature.keyid);
    if (!key) continue;
    if (!verifyEd25519(key.publicKey, message, Buffer.from(signature.sig, 'base64'))) {
      throw new TamperedError(
        'bad-signature',
        `the attestation's signature by key ${key.keyid.slice(0, 16)} does not verify: it was altered or forged`,
      );
    }
    keyids.push(key.keyid);
  }
  if (keyids.length === 0) {
    const by = envelope.signatures.map((signature) => signature.keyid.slice(0, 16) || '(no key id)').join(', ');
    throw new TamperedError('unknown-key', `the attestation is not signed by a trusted key (signed by: ${by})`);
  }
  return { payloadType: envelope.payloadType, payload, keyids };
}

/** The envelope's canonical JSON: one `.intoto.jsonl` line (without its newline) and one log entry. */
export function serializeEnvelope(envelope: DsseEnvelope): Buffer {
  return canonicalJsonBytes({ payload: envelope.payload, payloadType: envelope.payloadType, signatures: envelope.signatures });
}

export function parseEnvelope(line: string | Uint8Array): DsseEnvelope {
  const text = typeof line === 'string' ? line : Buffer.from(line).toString('utf8');
  if (Buffer.byteLength(text) > MAX_ENVELOPE_BYTES) throw malformed(`larger than ${MAX_ENVELOPE_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw malformed('not JSON');
  }
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) throw malformed(parsed.error.issues[0]?.message ?? 'unexpected shape');
  return parsed.data;
}

/** The `.intoto.jsonl` form: one canonical envelope per line. */
export function formatJsonl(envelopes: readonly DsseEnvelope[]): string {
  return envelopes.map((envelope) => `${serializeEnvelope(envelope).toString('utf8')}\n`).join('');
}

export function parseJsonl(text: string, maxEnvelopes = 64): DsseEnvelope[] {
  const lines = text.split('\n').filter((line) => line.trim().length > 0);
  if (lines.length > maxEnvelopes) throw malformed(`more than ${maxEnvelopes} envelopes in one file`);
  return lines.map((line) => parseEnvelope(line));
}

function malformed(why: string): TamperedError {
  return new TamperedError('malformed', `malformed DSSE envelope: ${why}`);
}
