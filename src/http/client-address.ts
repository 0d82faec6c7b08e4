import { BlockList, isIP } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { unmappedAddress } from '../accounts/address-group.js';

/** What a request without a socket (app.request in tests) is attributed to. */
export const UNKNOWN_ADDRESS = 'unknown';

/**
 * The client's address: the socket's peer, or behind a trusted reverse proxy (AURGATE_TRUSTED_PROXIES)
 * the rightmost X-Forwarded-For entry that is not itself a trusted proxy. The header is believed only
 * when the peer is trusted, since anyone can send it. IPv4 peers of a dual-stack socket
 * (::ffff:a.b.c.d) are given as plain IPv4, so one client has one address whatever the bind address.
 */
export function clientIp(c: Context, trustedProxies: readonly string[] = []): string {
  const peer = peerAddress(c);
  if (peer === UNKNOWN_ADDRESS) return peer;
  const trusted = proxyList(trustedProxies);
  if (!isTrusted(trusted, peer)) return peer;
  const forwarded = (c.req.header('x-forwarded-for') ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (let index = forwarded.length - 1; index >= 0; index -= 1) {
    const hop = unmappedAddress(forwarded[index] ?? '');
    // A proxy that forwards garbage is not trusted with the rest of the chain either.
    if (isIP(hop) === 0) return peer;
    if (!isTrusted(trusted, hop)) return hop;
  }
  return peer;
}

function peerAddress(c: Context): string {
  // @hono/node-server passes the node request as the app's `env`; requests dispatched without a
  // socket (app.request in tests) have none, and a closed socket has no address any more.
  const env = c.env as { incoming?: unknown; server?: { incoming?: unknown } } | undefined;
  if ((env?.server ?? env)?.incoming === undefined) return UNKNOWN_ADDRESS;
  const address = getConnInfo(c).remote.address;
  return address === undefined ? UNKNOWN_ADDRESS : unmappedAddress(address);
}

const proxyLists = new WeakMap<readonly string[], BlockList>();

/** The configured proxies as a BlockList (addresses and CIDR subnets), built once per list. */
function proxyList(entries: readonly string[]): BlockList {
  let list = proxyLists.get(entries);
  if (!list) {
    list = new BlockList();
    for (const entry of entries) {
      const [address = '', bits] = entry.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) list.addAddress(address, family);
      else list.addSubnet(address, Number(bits), family);
    }
    proxyLists.set(entries, list);
  }
  return list;
}

function isTrusted(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}
