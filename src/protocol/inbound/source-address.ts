import { isIPv6 } from 'node:net';

/** The eight 16-bit groups of an IPv6 address; an embedded IPv4 tail counts as two. */
function ipv6Groups(address: string): string[] {
  const width = (groups: string[]) => groups.reduce((n, group) => n + (group.includes('.') ? 2 : 1), 0);
  const [head = '', tail] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  if (tail === undefined) return left;
  const right = tail === '' ? [] : tail.split(':');
  return [...left, ...new Array<string>(8 - width(left) - width(right)).fill('0'), ...right];
}

/**
 * The key under which refusals are counted for one sender: its IPv4 address,
 * or the /64 prefix of its IPv6 address, since one host usually holds a
 * whole /64 and could otherwise rotate addresses past the limit.
 */
export function sourceKey(remoteAddress: string | undefined): string {
  if (!remoteAddress) return 'unknown';
  const address = remoteAddress.split('%')[0] ?? remoteAddress;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (!isIPv6(address)) return address;
  const prefix = ipv6Groups(address)
    .slice(0, 4)
    .map((group) => Number.parseInt(group, 16).toString(16));
  return `${prefix.join(':')}::/64`;
}
