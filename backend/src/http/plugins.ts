/** Cross-cutting HTTP behaviour: authentication, CORS, error and not-found answers, security headers. */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorResponse } from '../../../src/shared/protocol.ts';
import type { TokenService } from '../auth/tokens.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { RateLimiter } from '../rateLimits.ts';
import type { OriginPolicy } from './originPolicy.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `authenticate` on every protected route. */
    userId: string;
  }
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]+)$/;

/** preHandler of protected routes: a valid bearer token, then the user's rate limit. */
export function authenticate(tokens: TokenService, restPerUser: RateLimiter) {
  return async (request: FastifyRequest): Promise<void> => {
    const match = BEARER.exec(request.headers.authorization ?? '');
    const userId = match?.[1] === undefined ? null : await tokens.verify(match[1]);
    if (userId === null) throw new AppError('unauthorized', 'a valid bearer token is required');
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

function sendError(reply: FastifyReply, status: number, error: ErrorResponse['error']): FastifyReply {
  return reply.code(status).send({ error });
}

export function registerErrorHandling(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
    if (err instanceof AppError) return sendError(reply, err.httpStatus, err.toJSON());
    // Fastify's own 4xx: unparseable JSON, wrong content type, body too large.
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      const message = err.statusCode === 413 ? 'body: too large' : 'body: not valid JSON for this route';
      return sendError(reply, err.statusCode, { code: 'bad_request', message, field: 'body' });
    }
    logger.error({ err, method: request.method, url: request.routeOptions.url }, 'request failed');
    return sendError(reply, 500, { code: 'internal', message: 'internal error' });
  });
}

export function sendNotFound(reply: FastifyReply): FastifyReply {
  return sendError(reply, 404, { code: 'not_found', message: 'no such route' });
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
