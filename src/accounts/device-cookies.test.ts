import { describe, expect, it } from 'vitest';
import { DEVICE_COOKIE_MAX_AGE_MS, issueDeviceCookie, verifyDeviceCookie } from './device-cookies.js';

const SECRET = Buffer.alloc(32, 7);
const OTHER_SECRET = Buffer.alloc(32, 8);
const T0 = 1_700_000_000_000;

describe('device cookies', () => {
  it('vouch for the user they were issued to, with a device id of their own', () => {
    const cookie = issueDeviceCookie(SECRET, 'ann', T0);
    const id = verifyDeviceCookie(SECRET, cookie, 'ann', T0 + 1000);
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(verifyDeviceCookie(SECRET, issueDeviceCookie(SECRET, 'ann', T0), 'ann', T0)).not.toBe(id);
    expect(cookie).not.toContain('ann');
  });

  it('are refused for another user, under another secret, when expired, from the future or altered', () => {
    const cookie = issueDeviceCookie(SECRET, 'ann', T0);
    expect(verifyDeviceCookie(SECRET, cookie, 'bob', T0)).toBeNull();
    expect(verifyDeviceCookie(OTHER_SECRET, cookie, 'ann', T0)).toBeNull();
    expect(verifyDeviceCookie(SECRET, cookie, 'ann', T0 + DEVICE_COOKIE_MAX_AGE_MS)).toBeNull();
    expect(verifyDeviceCookie(SECRET, cookie, 'ann', T0 - 1)).toBeNull();
    const [version, id, issuedAt, signature] = cookie.split('.');
    const later = (T0 + 5000).toString(36);
    expect(verifyDeviceCookie(SECRET, [version, id, later, signature].join('.'), 'ann', T0 + 10_000)).toBeNull();
    const flipped = `${signature?.startsWith('A') ? 'B' : 'A'}${signature?.slice(1)}`;
    expect(verifyDeviceCookie(SECRET, [version, id, issuedAt, flipped].join('.'), 'ann', T0)).toBeNull();
  });

  it('refuse anything that is not a cookie of this format without looking further', () => {
    for (const value of [undefined, '', 'v1', 'v1...', `v1.${'a'.repeat(22)}.zz.${'b'.repeat(43)}x`, 'x'.repeat(10_000)]) {
      expect(verifyDeviceCookie(SECRET, value, 'ann', T0)).toBeNull();
    }
  });
});
