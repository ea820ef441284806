import { hash, verify } from '@node-rs/argon2';

/**
 * OWASP Password Storage Cheat Sheet, argon2id: m = 19 MiB, t = 2, p = 1. (@node-rs/argon2's
 * default algorithm is argon2id; its Algorithm enum is a const enum this build cannot import.)
 */
export const passwordHashParameters = {
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, passwordHashParameters);
}

export async function verifyPassword(encoded: string, password: string): Promise<boolean> {
  try {
    return await verify(encoded, password);
  } catch {
    return false;
  }
}

/** True when a stored hash was made with other parameters than today's, so it should be redone. */
export function passwordNeedsRehash(encoded: string): boolean {
  const p = passwordHashParameters;
  return !encoded.startsWith(`$argon2id$v=19$m=${p.memoryCost},t=${p.timeCost},p=${p.parallelism}$`);
}
