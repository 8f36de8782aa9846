/**
 * The HTTP application, built without listening so tests can `inject` requests. The socket server is attached
 * to the same HTTP server by server.ts.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AccountCheck } from './auth/accounts.ts';
import type { PasswordHasher } from './auth/passwords.ts';
import type { TokenService } from './auth/tokens.ts';
import type { Config } from './config.ts';
import type { Db } from './db/db.ts';
import {
  answerClientError,
  answerFrameworkError,
  answerUnsupportedExpectations,
  registerErrorHandling,
  sendNotFound,
} from './http/errorAnswers.ts';
import { createOriginPolicy, type OriginPolicy } from './http/originPolicy.ts';
import { authenticate, registerBodyParsers, registerCors, registerSecurityHeaders } from './http/plugins.ts';
import { authRoutes } from './http/routes/auth.routes.ts';
import { callsRoutes } from './http/routes/calls.routes.ts';
import { conversationsRoutes } from './http/routes/conversations.routes.ts';
import { recordingRoutes } from './http/routes/recording.routes.ts';
import { usersRoutes } from './http/routes/users.routes.ts';
import { isAppShellRequest, WEB_CSP, webRoutes } from './http/routes/web.routes.ts';
import type { Logger } from './logger.ts';
import type { RateLimits } from './rateLimits.ts';
import type { CallMediaService } from './services/callMedia.service.ts';
import type { CallQueries } from './services/callQueries.service.ts';
import type { CallService } from './services/calls.service.ts';
import type { RecordingService } from './services/recording.service.ts';

export interface AppDeps {
  config: Pick<Config, 'turn' | 'stunUrls' | 'webDir' | 'corsOrigins'>;
  logger: Logger;
  db: Db;
  tokens: TokenService;
  /** Whether a token's user still exists (shared with the socket handshake). */
  accounts: AccountCheck;
  passwords: PasswordHasher;
  rateLimits: RateLimits;
  calls: CallService;
  callQueries: CallQueries;
  callMedia: CallMediaService;
  /** Call recording; null when not configured (its routes answer 503). */
  recordings?: RecordingService | null;
  /** Shared with the socket server's handshake check; defaults to config.corsOrigins. */
  origins?: OriginPolicy;
  /** /healthz answers 200 only once this is true (migrated and listening). */
  isReady: () => boolean;
  /** Behind a load balancer: trust X-Forwarded-For for the client IP of per-IP limits. */
  trustProxy?: boolean | string;
}

/** Signaling bodies are small; the largest is an initiate with 19 participant ids. */
const BODY_LIMIT_BYTES = 16 * 1024;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger carries its custom-level generics, which Fastify's instance type does not follow.
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: deps.trustProxy ?? false,
    // Request ids are generated here, never taken from a client header, so log lines cannot be forged.
    requestIdHeader: false,
    // Errors that Fastify and Node's HTTP parser would answer in their own shape (see errorAnswers.ts).
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
    http: { requireHostHeader: false },
  });
  answerUnsupportedExpectations(app.server);
  registerErrorHandling(app, deps.logger);
  registerBodyParsers(app);
  registerCors(app, deps.origins ?? createOriginPolicy(deps.config.corsOrigins));
  registerSecurityHeaders(app);

  app.get('/healthz', async (_request, reply) =>
    deps.isReady()
      ? { status: 'ok' }
      : reply.code(503).send({ error: { code: 'unavailable', message: 'starting or stopping' } }),
  );

  authRoutes(app, {
    db: deps.db,
    tokens: deps.tokens,
    passwords: deps.passwords,
    authPerIp: deps.rateLimits.authPerIp,
  });
  await app.register(async (protectedScope) => {
    protectedScope.addHook(
      'preHandler',
      authenticate(deps.tokens, deps.accounts, deps.rateLimits.restPerUser),
    );
    usersRoutes(protectedScope, deps.db);
    conversationsRoutes(protectedScope, deps.db);
    callsRoutes(protectedScope, {
      db: deps.db,
      calls: deps.calls,
      queries: deps.callQueries,
      media: deps.callMedia,
      turn: deps.config.turn,
      stunUrls: deps.config.stunUrls,
    });
    recordingRoutes(protectedScope, deps.recordings ?? null);
  });

  const servesWeb = await webRoutes(app, deps.config.webDir);
  app.setNotFoundHandler((request, reply) => {
    if (servesWeb && isAppShellRequest(request.method, request.url, request.headers.accept)) {
      return reply.header('content-security-policy', WEB_CSP).sendFile('index.html');
    }
    return sendNotFound(reply);
  });
  return app;
}
