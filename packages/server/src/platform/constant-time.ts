import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares two secrets without leaking, through timing, how many leading bytes match.
 * Inputs of different length are hashed first and compared all the same (timingSafeEqual itself
 * throws on unequal lengths), so the comparison does not stop early; they never match.
 */
export function constantTimeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const ba = typeof a === 'string' ? Buffer.from(a) : a;
  const bb = typeof b === 'string' ? Buffer.from(b) : b;
  // Equal lengths (always so for two hashes of one kind) compare directly: no digest on the hot path.
  if (ba.length === bb.length) return timingSafeEqual(ba, bb);
  timingSafeEqual(createHash('sha256').update(ba).digest(), createHash('sha256').update(bb).digest());
  return false;
}
