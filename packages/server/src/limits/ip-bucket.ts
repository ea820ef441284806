import { isIPv6 } from 'node:net';

/**
 * The key a client address is counted under. An IPv6 host usually holds a whole /64 (SLAAC,
 * privacy addresses), so counting per address would give it 2^64 budgets: IPv6 addresses are
 * counted per /64. IPv4-mapped IPv6 addresses count as the IPv4 address they carry.
 */
export function ipBucket(ip: string): string {
  if (!isIPv6(ip)) return ip;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped !== null) return mapped[1] as string;
  return `${expandIPv6(ip).slice(0, 4).join(':')}::/64`;
}

/** The eight hextets of an IPv6 address, zero-padded and lower-case (`::` and a zone id resolved). */
function expandIPv6(ip: string): string[] {
  const address = ip.split('%')[0] as string;
  const [head = '', tail] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  // A trailing dotted IPv4 part takes two hextets.
  const last = right.length > 0 ? right : left;
  const dotted = last.at(-1);
  if (dotted?.includes('.')) {
    const bytes = dotted.split('.').map(Number) as [number, number, number, number];
    last.splice(-1, 1, ((bytes[0] << 8) | bytes[1]).toString(16), ((bytes[2] << 8) | bytes[3]).toString(16));
  }
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((hextet) => hextet.toLowerCase().padStart(4, '0'));
}
