import type { FastifyInstance } from 'fastify';
import { LoginRequest, RegisterRequest, type AuthResponse } from '../../../../src/shared/protocol/index.ts';
import type { PasswordHasher } from '../../auth/passwords.ts';
import type { TokenService } from '../../auth/tokens.ts';
import { findUserWithHashByEmail, insertUser } from '../../db/users.repo.ts';
import type { Db } from '../../db/db.ts';
import { AppError, parseInput } from '../../errors.ts';
import type { RateLimiter } from '../../rateLimits.ts';
import { rateLimitByIp } from '../plugins.ts';

export interface AuthRouteDeps {
  db: Db;
  tokens: TokenService;
  passwords: PasswordHasher;
  authPerIp: RateLimiter;
}

export function authRoutes(app: FastifyInstance, deps: AuthRouteDeps): void {
  const limited = { preHandler: rateLimitByIp(deps.authPerIp) };

  app.post('/api/auth/register', limited, async (request, reply): Promise<AuthResponse> => {
    const body = parseInput(RegisterRequest, request.body, 'body');
    const user = await insertUser(deps.db, {
      email: body.email,
      name: body.name,
      passwordHash: await deps.passwords.hash(body.password),
    });
    if (user === null)
      throw new AppError('conflict', 'an account with this email already exists', 'body.email');
    reply.code(201);
    return { token: await deps.tokens.issue(user.id), user };
  });

  app.post('/api/auth/login', limited, async (request): Promise<AuthResponse> => {
    const body = parseInput(LoginRequest, request.body, 'body');
    const found = await findUserWithHashByEmail(deps.db, body.email);
    // Same answer and same cost for an unknown email and a wrong password.
    const valid = await deps.passwords.verify(body.password, found?.passwordHash ?? null);
    if (found === null || !valid) throw new AppError('unauthorized', 'wrong email or password');
    const { passwordHash: _, ...user } = found;
    return { token: await deps.tokens.issue(user.id), user };
  });
}
