import { createPublicKey, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { rawPublicKey, signEd25519 } from './ed25519.js';
import {
  formatJsonl,
  INTOTO_PAYLOAD_TYPE,
  pae,
  parseEnvelope,
  parseJsonl,
  serializeEnvelope,
  signEnvelope,
  verifyEnvelope,
  type DsseSigner,
} from './dsse.js';
import { keyIdOf } from './key-store.js';

function signerFor(privateKey: KeyObject): DsseSigner {
  return { keyid: keyIdOf(rawPublicKey(privateKey)), sign: (message) => signEd25519(privateKey, message) };
}

/**
 * A second DSSE verifier, written from the specification with node:crypto only: it shares no code
 * with src/trust/dsse.ts, so a mistake in our PAE or encoding cannot cancel itself out.
 */
function independentVerify(line: string, publicKey: KeyObject): { payloadType: string; payload: Buffer } {
  const envelope = JSON.parse(line) as { payloadType: string; payload: string; signatures: Array<{ keyid: string; sig: string }> };
  const body = Buffer.from(envelope.payload, 'base64');
  const type = Buffer.from(envelope.payloadType, 'utf8');
  // PAE(type, body) = "DSSEv1" + SP + LEN(type) + SP + type + SP + LEN(body) + SP + body
  const signed = Buffer.concat([
    Buffer.from('DSSEv1'),
    Buffer.from(' '),
    Buffer.from(String(type.byteLength)),
    Buffer.from(' '),
    type,
    Buffer.from(' '),
    Buffer.from(String(body.byteLength)),
    Buffer.from(' '),
    body,
  ]);
  const ok = envelope.signatures.some((signature) => verify(null, signed, publicKey, Buffer.from(signature.sig, 'base64')));
  if (!ok) throw new Error('no signature verifies');
  return { payloadType: envelope.payloadType, payload: body };
}

describe('DSSE envelopes', () => {
  const key = generateKeyPairSync('ed25519');
  const trusted = [{ keyid: keyIdOf(rawPublicKey(key.publicKey)), publicKey: key.publicKey }];
  const payload = Buffer.from('{"_type":"https://in-toto.io/Statement/v1","é":"ü"}');

  it('builds PAE exactly as the DSSE specification’s example', () => {
    // protocol.md: PAE("http://example.com/HelloWorld", "hello world")
    expect(pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString()).toBe(
      'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
    );
    // Lengths count bytes, not characters.
    expect(pae('t', Buffer.from('é')).toString()).toBe('DSSEv1 1 t 2 é');
  });

  it('signs so that an independent implementation of the spec verifies, on the serialized line', () => {
    const envelope = signEnvelope(INTOTO_PAYLOAD_TYPE, payload, [signerFor(key.privateKey)]);
    const line = serializeEnvelope(envelope).toString('utf8');
    const checked = independentVerify(line, createPublicKey(key.privateKey));
    expect(checked.payloadType).toBe('application/vnd.in-toto+json');
    expect(checked.payload).toEqual(payload);
    expect(() => independentVerify(line.replace(envelope.payload, Buffer.from('{}').toString('base64')), key.publicKey)).toThrow(
      /no signature verifies/,
    );
  });

  it('verifies what the independent implementation signs', () => {
    const type = Buffer.from(INTOTO_PAYLOAD_TYPE);
    const signed = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
    const line = JSON.stringify({
      payloadType: INTOTO_PAYLOAD_TYPE,
      payload: payload.toString('base64'),
      signatures: [{ keyid: trusted[0]?.keyid, sig: signEd25519(key.privateKey, signed).toString('base64') }],
    });
    expect(verifyEnvelope(parseEnvelope(line), trusted).payload).toEqual(payload);
  });

  it('serializes canonically: sorted keys, no whitespace, reproducible bytes', () => {
    const envelope = signEnvelope(INTOTO_PAYLOAD_TYPE, payload, [signerFor(key.privateKey)]);
    const line = serializeEnvelope(envelope).toString('utf8');
    expect(line).toMatch(
      /^\{"payload":"[A-Za-z0-9+/=]+","payloadType":"application\/vnd.in-toto\+json","signatures":\[\{"keyid":"[0-9a-f]{64}","sig":"[A-Za-z0-9+/=]+"\}\]\}$/,
    );
    expect(serializeEnvelope(parseEnvelope(line)).toString('utf8')).toBe(line);
    expect(signEnvelope(INTOTO_PAYLOAD_TYPE, payload, [signerFor(key.privateKey)])).toEqual(envelope);
  });

  it('rejects an altered payload, payload type or signature, and envelopes by unknown keys', () => {
    const envelope = signEnvelope(INTOTO_PAYLOAD_TYPE, payload, [signerFor(key.privateKey)]);
    expect(() => verifyEnvelope({ ...envelope, payload: Buffer.from('{"x":1}').toString('base64') }, trusted)).toThrow(/does not verify/);
    expect(() => verifyEnvelope({ ...envelope, payloadType: 'text/plain' }, trusted)).toThrow(/payload type is "text\/plain"/);
    const sig = Buffer.from(envelope.signatures[0]?.sig ?? '', 'base64');
    sig[10]! ^= 1;
    expect(() => verifyEnvelope({ ...envelope, signatures: [{ keyid: trusted[0]?.keyid ?? '', sig: sig.toString('base64') }] }, trusted)).toThrow(
      /does not verify/,
    );
    const stranger = signEnvelope(INTOTO_PAYLOAD_TYPE, payload, [signerFor(generateKeyPairSync('ed25519').privateKey)]);
    expect(() => verifyEnvelope(stranger, trusted)).toThrow(/not signed by a trusted key/);
  });

  it('rejects a signature by a trusted key filed under another key id only as unknown, never as valid', () => {
    const envelope = signEnvelope(INTOTO_PAYLOAD_TYPE, payload, [{ ...signerFor(key.privateKey), keyid: 'someone-else' }]);
    expect(() => verifyEnvelope(envelope, trusted)).toThrow(/not signed by a trusted key \(signed by: someone-else\)/);
  });

  it('parses hostile lines with a clear error', () => {
    expect(() => parseEnvelope('not json')).toThrow(/malformed DSSE envelope: not JSON/);
    expect(() => parseEnvelope('{"payloadType":"x","payload":"AA==","signatures":[]}')).toThrow(/malformed DSSE envelope/);
    expect(() => parseEnvelope('{"payloadType":"x","payload":"<>","signatures":[{"sig":"AA=="}]}')).toThrow(/malformed DSSE envelope/);
    expect(() => parseEnvelope(`{"pad":"${'a'.repeat(70_000)}"}`)).toThrow(/larger than 65535 bytes/);
  });

  it('writes and reads the .intoto.jsonl form, one envelope per line', () => {
    const a = signEnvelope(INTOTO_PAYLOAD_TYPE, payload, [signerFor(key.privateKey)]);
    const b = signEnvelope(INTOTO_PAYLOAD_TYPE, Buffer.from('{}'), [signerFor(key.privateKey)]);
    const text = formatJsonl([a, b]);
    expect(text.split('\n')).toHaveLength(3);
    expect(text.endsWith('\n')).toBe(true);
    expect(parseJsonl(text)).toEqual([a, b]);
    expect(() => parseJsonl(text.repeat(40))).toThrow(/more than 64 envelopes/);
  });
});
