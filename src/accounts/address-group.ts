import { isIP } from 'node:net';

/** IPv4 peers of a dual-stack socket arrive as ::ffff:a.b.c.d; this gives the plain IPv4 address. */
export function unmappedAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/**
 * The network a client address stands for when counting failures: an IPv4 address itself, an IPv6
 * address's /64 (one subscriber usually gets a whole /64 and can pick any address in it).
 */
export function addressGroup(address: string): string {
  const plain = unmappedAddress(address.split('%')[0] ?? '');
  if (isIP(plain) === 4) return plain;
  if (isIP(plain) !== 6) return address;
  const [head = '', tail] = plain.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  // A dotted IPv4 tail takes two groups; it never reaches the first four, so its value is irrelevant.
  const rightGroups = right.length + (right.at(-1)?.includes('.') ? 1 : 0);
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - rightGroups)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((group) => Number.parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}
