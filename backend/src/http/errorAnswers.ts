/**
 * Every error answer of the HTTP server is the documented envelope `{ error: { code, message, field? } }`:
 * the app's own errors, Fastify's (bad URL encoding, a path segment too long, unparseable or oversized
 * bodies, unsupported content types, unknown routes) and the ones Node's HTTP parser raises before Fastify
 * sees a request (malformed HTTP, headers too large, a missing Host, an unsupported Expect). None of them
 * repeats anything of the request: every message is a fixed string chosen here.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ApiError, ErrorCode, ErrorResponse } from '../../../src/shared/protocol/index.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';

const envelope = (error: ApiError): ErrorResponse => ({ error });

/** What every API answer carries (see registerSecurityHeaders), for the answers written outside routes. */
const ERROR_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** The code of an error answer that carries only a status (from Fastify or a plugin). */
function codeOfStatus(status: number): ErrorCode {
  const codes: Record<number, ErrorCode> = {
    401: 'unauthorized',
    403: 'forbidden',
    404: 'not_found',
    409: 'conflict',
    429: 'rate_limited',
  };
  return codes[status] ?? 'bad_request';
}

/** Fastify's own client errors by code: Fastify's status, our message. */
const FRAMEWORK_ERRORS: Readonly<Record<string, Omit<ApiError, 'code'>>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { message: 'body: not valid JSON', field: 'body' },
  FST_ERR_CTP_BODY_TOO_LARGE: { message: 'body: too large', field: 'body' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    message: 'body: send JSON (Content-Type: application/json)',
    field: 'body',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { message: 'body: does not match Content-Length', field: 'body' },
  FST_ERR_BAD_URL: { message: 'url: not valid percent-encoding' },
  FST_ERR_MAX_PARAM_LENGTH: { message: 'url: a path segment is too long' },
};

function frameworkError(status: number, fastifyCode: string | undefined): ApiError {
  const known = fastifyCode === undefined ? undefined : FRAMEWORK_ERRORS[fastifyCode];
  return { code: codeOfStatus(status), ...(known ?? { message: 'request not accepted' }) };
}

export function sendError(reply: FastifyReply, status: number, error: ApiError): FastifyReply {
  return reply.code(status).send(envelope(error));
}

export function sendNotFound(reply: FastifyReply): FastifyReply {
  return sendError(reply, 404, { code: 'not_found', message: 'no such route' });
}

/** Fastify's `frameworkErrors` option: errors raised while routing, before any hook runs. */
export function answerFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  const status = error.statusCode ?? 400;
  return sendError(reply.headers(ERROR_HEADERS), status, frameworkError(status, error.code));
}

export function registerErrorHandling(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
    if (err instanceof AppError) return sendError(reply, err.httpStatus, err.toJSON());
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return sendError(reply, err.statusCode, frameworkError(err.statusCode, err.code));
    }
    logger.error({ err, method: request.method, url: request.routeOptions.url }, 'request failed');
    return sendError(reply, 500, { code: 'internal', message: 'internal error' });
  });
  // Node answers an HTTP/1.1 request without Host with an empty 400 of its own unless it lets it through
  // (requireHostHeader: false, see app.ts); refused here instead, in the envelope.
  app.addHook('onRequest', async (request) => {
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      throw new AppError('bad_request', 'the Host header is required');
    }
  });
}

const RAW_HEADERS = {
  ...ERROR_HEADERS,
  'content-type': 'application/json; charset=utf-8',
  connection: 'close',
};

function rawResponse(status: number, error: ApiError): string {
  const body = JSON.stringify(envelope(error));
  const headers = Object.entries({ ...RAW_HEADERS, 'content-length': Buffer.byteLength(body) })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${headers}\r\n${body}`;
}

/** What the HTTP parser refused, by its error code; anything else it refuses is malformed HTTP. */
const PARSER_ERRORS: Readonly<Record<string, { status: number; message: string }>> = {
  HPE_HEADER_OVERFLOW: { status: 431, message: 'request headers too large' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, message: 'request timed out' },
};
const MALFORMED_REQUEST = { status: 400, message: 'malformed HTTP request' };

/**
 * Fastify's `clientErrorHandler`: the HTTP parser gave up on what the client sent, so there is no request to
 * answer through Fastify; the answer is written to the socket itself, which is then closed.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  // A response already under way on this connection (to an earlier keep-alive request) must not be
  // corrupted; Node's own handler makes the same check.
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
  if (socket.writable && inFlight?.headersSent !== true) {
    const { status, message } = PARSER_ERRORS[err.code ?? ''] ?? MALFORMED_REQUEST;
    socket.write(rawResponse(status, { code: 'bad_request', message }));
  }
  socket.destroy();
}

/** An `Expect` other than 100-continue, which Node would answer itself with an empty 417. */
export function answerUnsupportedExpectations(server: Server): void {
  server.on('checkExpectation', (_request: IncomingMessage, response: ServerResponse) => {
    const body = JSON.stringify(
      envelope({ code: 'bad_request', message: 'only "Expect: 100-continue" is supported' }),
    );
    response.writeHead(417, { ...RAW_HEADERS, 'content-length': Buffer.byteLength(body) }).end(body);
  });
}
