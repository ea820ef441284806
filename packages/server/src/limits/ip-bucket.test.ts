import { expect, it } from 'vitest';
import { ipBucket } from './ip-bucket.js';

it('counts IPv4 addresses one by one and IPv6 addresses per /64', () => {
  expect(ipBucket('203.0.113.7')).toBe('203.0.113.7');
  expect(ipBucket('::ffff:203.0.113.7')).toBe('203.0.113.7');
  expect(ipBucket('2001:db8::1')).toBe('2001:0db8:0000:0000::/64');
  expect(ipBucket('2001:DB8:0:0:ffff::2')).toBe('2001:0db8:0000:0000::/64');
  expect(ipBucket('fe80::1%eth0')).toBe('fe80:0000:0000:0000::/64');
  expect(ipBucket('::1')).toBe('0000:0000:0000:0000::/64');
  expect(ipBucket('64:ff9b::192.0.2.33')).toBe('0064:ff9b:0000:0000::/64');
  expect(ipBucket('2001:db8:1:2:3:4:5:6')).toBe('2001:0db8:0001:0002::/64');
});
