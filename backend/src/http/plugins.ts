/** Cross-cutting HTTP behaviour: authentication, request bodies, CORS, security headers. */
import { errorCodes, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { AccountCheck } from '../auth/accounts.ts';
import type { TokenService } from '../auth/tokens.ts';
import { AppError } from '../errors.ts';
import type { RateLimiter } from '../rateLimits.ts';
import type { OriginPolicy } from './originPolicy.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `authenticate` on every protected route. */
    userId: string;
  }
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]+)$/;

/** preHandler of protected routes: a valid bearer token of an existing account, then the user's rate limit. */
export function authenticate(tokens: TokenService, accounts: AccountCheck, restPerUser: RateLimiter) {
  return async (request: FastifyRequest): Promise<void> => {
    const match = BEARER.exec(request.headers.authorization ?? '');
    const userId = match?.[1] === undefined ? null : await tokens.verify(match[1]);
    if (userId === null) throw new AppError('unauthorized', 'a valid bearer token is required');
    if (!(await accounts.exists(userId))) throw new AppError('unauthorized', 'this account no longer exists');
    if (!(await restPerUser.tryConsume(userId))) throw new AppError('rate_limited', 'too many requests');
    request.userId = userId;
  };
}

export function rateLimitByIp(limiter: RateLimiter) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!(await limiter.tryConsume(request.ip)))
      throw new AppError('rate_limited', 'too many attempts, retry later');
  };
}

/**
 * The API takes JSON bodies only, and an empty body is no body whatever its Content-Type says: the spec's
 * answer, reject and end have none, and many clients send `Content-Type: application/json` (or curl's form
 * type) on every POST anyway. Anything else non-empty is a 415.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if ((body as string).trim() === '') done(null, undefined);
    else parseJson(request, body as string, done);
  });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
    if ((body as Buffer).length === 0) done(null, undefined);
    else done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(), undefined);
  });
}

const CORS_METHODS = 'GET, POST, PATCH, OPTIONS';
const CORS_HEADERS = 'authorization, content-type';

/**
 * CORS for the desktop renderer (app://callbridge) and configured web origins. A disallowed origin simply
 * gets no CORS headers, so the browser refuses to expose the answer.
 */
export function registerCors(app: FastifyInstance, origins: OriginPolicy): void {
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin === undefined || !origins.isAllowed(origin)) return;
    reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
    if (request.method === 'OPTIONS') {
      return reply
        .code(204)
        .header('access-control-allow-methods', CORS_METHODS)
        .header('access-control-allow-headers', CORS_HEADERS)
        .header('access-control-max-age', '600')
        .send();
    }
  });
}

export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
  });
}
