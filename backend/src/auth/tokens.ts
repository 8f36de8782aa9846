import { jwtVerify, SignJWT, errors } from 'jose';
import { Uuid } from '../../../src/shared/protocol/index.ts';

const ISSUER = 'callbridge';
const AUDIENCE = 'callbridge-client';
const ALGORITHM = 'HS256';

export interface TokenService {
  issue(userId: string): Promise<string>;
  /**
   * The user id of a valid token, or null for a missing, malformed, forged or expired one, or one whose
   * subject is not a user id at all. Whether that user still exists is for AccountCheck to say.
   */
  verify(token: string): Promise<string | null>;
}

export function createTokenService(secret: string, ttlSeconds: number): TokenService {
  const key = new TextEncoder().encode(secret);
  return {
    issue: (userId) =>
      new SignJWT({})
        .setProtectedHeader({ alg: ALGORITHM })
        .setSubject(userId)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(key),
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer: ISSUER,
          audience: AUDIENCE,
          algorithms: [ALGORITHM],
        });
        const subject = Uuid.safeParse(payload.sub);
        return subject.success ? subject.data : null;
      } catch (err) {
        if (err instanceof errors.JOSEError) return null;
        throw err;
      }
    },
  };
}
