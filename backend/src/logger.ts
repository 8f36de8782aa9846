import pino from 'pino';
import type { Config } from './config.ts';

/**
 * Structured JSON logs. Anything that could carry a credential is redacted wherever it appears: request
 * headers, socket handshakes, bodies that a log call might include by mistake.
 */
export function createLogger(level: Config['logLevel'], destination?: pino.DestinationStream): pino.Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'callbridge-backend' },
    // Errors are logged by type, message and code: stack traces stay out of the logs (they name files and
    // internals, and travel to wherever the logs are shipped).
    serializers: { err: serializeError },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        'auth.token',
        '*.token',
        '*.password',
        '*.secret',
        '*.jwtSecret',
        '*.turnSecret',
        '*.credential',
        'token',
        'password',
        'credential',
      ],
      censor: '[redacted]',
    },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
export type Logger = pino.Logger;

function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const code = (err as { code?: unknown }).code;
  return { type: err.name, message: err.message, ...(code === undefined ? {} : { code }) };
}
