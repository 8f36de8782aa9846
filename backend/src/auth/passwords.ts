import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Passwords are hashed with scrypt, stored as `scrypt$N$r$p$salt$hash` so the cost can be raised later
 * without breaking existing hashes. The production cost is OWASP's recommendation (N=2^17, r=8, p=1: about
 * 128 MiB and ~100 ms per hash); tests and benches lower it with SCRYPT_LOG2_COST to register thousands of
 * users quickly.
 */
export const DEFAULT_SCRYPT_LOG2_COST = 17;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const KEY_LENGTH = 32;
const SALT_BYTES = 16;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /**
   * Checks a password against a stored hash; with `stored` null (unknown account) it still spends the time
   * of one verification, so response timing does not reveal which emails are registered.
   */
  verify(password: string, stored: string | null): Promise<boolean>;
}

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem must exceed 128*N*r bytes or Node refuses the parameters.
    const maxmem = 256 * n * r;
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { N: n, r, p, maxmem }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export function createPasswordHasher(log2Cost: number = DEFAULT_SCRYPT_LOG2_COST): PasswordHasher {
  const n = 2 ** log2Cost;
  const hash = async (password: string): Promise<string> => {
    const salt = randomBytes(SALT_BYTES);
    const key = await derive(password, salt, n, BLOCK_SIZE, PARALLELISM);
    return ['scrypt', n, BLOCK_SIZE, PARALLELISM, salt.toString('base64'), key.toString('base64')].join('$');
  };
  let dummyHash: Promise<string> | null = null;
  return {
    hash,
    async verify(password, stored) {
      const effective = stored ?? (await (dummyHash ??= hash(randomBytes(16).toString('hex'))));
      const [scheme, nText, rText, pText, salt, expectedText] = effective.split('$');
      if (scheme !== 'scrypt' || !salt || !expectedText) return false;
      const expected = Buffer.from(expectedText, 'base64');
      const actual = await derive(
        password,
        Buffer.from(salt, 'base64'),
        Number(nText),
        Number(rText),
        Number(pText),
      );
      return stored !== null && actual.length === expected.length && timingSafeEqual(actual, expected);
    },
  };
}
