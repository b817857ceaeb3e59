import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Addresses a subscriber_url may not point at unless the operator allows it:
 * every participant's callbacks go to the registered URL, so one of these
 * would make this network's services call into their own host or LAN.
 * IPv4-mapped IPv6 forms (::ffff:127.0.0.1) match the IPv4 rules.
 */
const nonPublic = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  nonPublic.addSubnet(network, prefix, 'ipv4');
}
nonPublic.addAddress('::', 'ipv6');
nonPublic.addAddress('::1', 'ipv6');
nonPublic.addSubnet('fc00::', 7, 'ipv6');
nonPublic.addSubnet('fe80::', 10, 'ipv6');

function isNonPublic(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && nonPublic.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Why `url` may not be registered, or null when it may: its host is a
 * loopback, link-local, private or shared (CGNAT) address, or a name that
 * resolves to one. A name that does not resolve now is let through; what it
 * resolves to later is the outbound client's to check.
 */
export async function nonPublicUrlProblem(url: string): Promise<string | null> {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) !== 0) {
    return isNonPublic(host) ? `subscriber_url points at ${host}, a loopback, link-local or private address` : null;
  }
  let addresses: { address: string }[];
  try {
    addresses = await lookup(host, { all: true });
  } catch {
    return null;
  }
  const blocked = addresses.find(({ address }) => isNonPublic(address));
  return blocked ? `subscriber_url host ${host} resolves to ${blocked.address}, a loopback, link-local or private address` : null;
}
