/**
 * Loaded on first use: a server that never checks a password (machine clients only) does not
 * carry the native module in memory, and start-up does not wait for it.
 */
let argon2: Promise<typeof import('@node-rs/argon2')> | undefined;
const loadArgon2 = () => {
  argon2 ??= import('@node-rs/argon2');
  return argon2;
};

/**
 * OWASP Password Storage Cheat Sheet, argon2id: m = 19 MiB, t = 2, p = 1. (@node-rs/argon2's
 * default algorithm is argon2id; its Algorithm enum is a const enum this build cannot import.)
 */
export const passwordHashParameters = {
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export async function hashPassword(password: string): Promise<string> {
  return (await loadArgon2()).hash(password, passwordHashParameters);
}

export async function verifyPassword(encoded: string, password: string): Promise<boolean> {
  const { verify } = await loadArgon2();
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
