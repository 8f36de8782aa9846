/**
 * One client -> server socket event as every handler takes it: rate limited per socket and event type, its
 * payload parsed with the protocol's schema, and answered through the acknowledgement with `{ok: true, ...}`
 * or `{ok: false, error}`. An AppError reaches the client as it is; anything else is logged and answered as
 * 'internal' without details.
 */
import type { z } from 'zod';
import type { ApiError } from '../../../src/shared/protocol.ts';
import { AppError, parseInput } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { RateLimits, SocketEventName } from '../rateLimits.ts';
import type { SignalingSocket } from './socketTypes.ts';

type Ack = (res: { ok: true; [key: string]: unknown } | { ok: false; error: ApiError }) => void;

export function onValidatedEvent<S extends z.ZodType>(
  socket: SignalingSocket,
  deps: { rateLimits: RateLimits; logger: Logger },
  event: SocketEventName,
  schema: S,
  run: (payload: z.output<S>) => Promise<Record<string, unknown> | void>,
): void {
  socket.on(event, async (raw: unknown, ack: unknown) => {
    const reply = typeof ack === 'function' ? (ack as Ack) : () => undefined;
    try {
      if (!(await deps.rateLimits.socketEvent(event).tryConsume(`${socket.id}:${event}`))) {
        throw new AppError('rate_limited', `too many ${event} messages`);
      }
      const result = await run(parseInput(schema, raw));
      reply({ ...result, ok: true });
    } catch (err) {
      if (err instanceof AppError) return reply({ ok: false, error: err.toJSON() });
      deps.logger.error({ err, event, userId: socket.data.userId }, 'socket event failed');
      reply({ ok: false, error: { code: 'internal', message: 'internal error' } });
    }
  });
}
