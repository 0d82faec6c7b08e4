import { describe, expect, it } from 'vitest';
import { isPrivateAddress } from './source-fetch.js';

describe('isPrivateAddress', () => {
  it('refuses the server’s own networks, IPv4-mapped forms included', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      'not-an-ip',
    ])
      expect(isPrivateAddress(address), address).toBe(true);
  });
  it('lets public addresses through', () => {
    for (const address of ['93.184.216.34', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '172.32.0.1'])
      expect(isPrivateAddress(address), address).toBe(false);
  });
});
