import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openFlow, sealFlow, SSO_FLOW_MAX_AGE_MS, type SsoFlow } from './sso-flow.js';

const KEY = randomBytes(32);
const NOW = 1_800_000_000_000;
const FLOW: SsoFlow = {
  state: 'state-AAAAAAAAAAAAAAAAAAAA',
  nonce: 'nonce-BBBBBBBBBBBBBBBBBBBB',
  codeVerifier: 'verifier-CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC',
  next: '/admin/queue',
  issuedAt: NOW,
};

describe('the sign-in flow cookie', () => {
  it('opens to what was sealed, and shows none of it', () => {
    const sealed = sealFlow(KEY, FLOW);
    expect(openFlow(KEY, sealed, NOW + 1000)).toEqual(FLOW);
    for (const secret of [FLOW.state, FLOW.nonce, FLOW.codeVerifier, 'queue']) expect(sealed).not.toContain(secret);
  });

  it('refuses every altered byte', () => {
    const sealed = sealFlow(KEY, FLOW);
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    for (let index = 0; index < raw.length; index += 1) {
      const altered = Buffer.from(raw);
      altered[index] = (altered[index] ?? 0) ^ 1;
      expect(openFlow(KEY, `v1.${altered.toString('base64url')}`, NOW)).toBeNull();
    }
  });

  it('refuses another key, another version, garbage and nothing', () => {
    const sealed = sealFlow(KEY, FLOW);
    expect(openFlow(randomBytes(32), sealed, NOW)).toBeNull();
    expect(openFlow(KEY, `v2${sealed.slice(2)}`, NOW)).toBeNull();
    expect(openFlow(KEY, 'v1.AAAA', NOW)).toBeNull();
    expect(openFlow(KEY, `v1.${'A'.repeat(5000)}`, NOW)).toBeNull();
    expect(openFlow(KEY, undefined, NOW)).toBeNull();
  });

  it('expires after ten minutes, and is not valid before it was issued', () => {
    const sealed = sealFlow(KEY, FLOW);
    expect(openFlow(KEY, sealed, NOW + SSO_FLOW_MAX_AGE_MS - 1)).not.toBeNull();
    expect(openFlow(KEY, sealed, NOW + SSO_FLOW_MAX_AGE_MS)).toBeNull();
    expect(openFlow(KEY, sealed, NOW - 60_000)).toBeNull();
  });

  it('refuses a sealed value of the wrong shape', () => {
    expect(openFlow(KEY, sealFlow(KEY, { ...FLOW, state: 'short' }), NOW)).toBeNull();
  });
});
