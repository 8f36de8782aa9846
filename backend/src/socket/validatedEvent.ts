/**
 * One client -> server socket event as every handler takes it: rate limited per socket and event type, its
 * payload parsed with the protocol's schema for that event (`clientEvents`), and answered through the
 * acknowledgement with `{ok: true, ...}` or `{ok: false, error}`. An AppError reaches the client as it is; anything else is logged and answered as
 * 'internal' without details. A client that passed an acknowledgement callback always gets an answer:
 * for a missing payload or extra arguments too, for an event no handler takes, and for a deleted account.
 */
import type { z } from 'zod';
import { clientEvents } from '../../../src/shared/protocol/index.ts';
import type { ApiError, ClientEventName } from '../../../src/shared/protocol/index.ts';
import type { AccountCheck } from '../auth/accounts.ts';
import { AppError, parseInput } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { RateLimits } from '../rateLimits.ts';
import type { SignalingSocket } from './socketTypes.ts';

type AckResponse = { ok: true; [key: string]: unknown } | { ok: false; error: ApiError };
type Ack = (res: AckResponse) => void;

const INTERNAL: ApiError = { code: 'internal', message: 'internal error' };

/**
 * What socket.io hands a listener: the client's arguments, then the acknowledgement callback if the client
 * asked for one (a function can only come from socket.io: JSON carries none).
 */
function splitArguments(args: readonly unknown[]): { payloads: unknown[]; ack: Ack | null } {
  const last = args.at(-1);
  return typeof last === 'function'
    ? { payloads: args.slice(0, -1), ack: last as Ack }
    : { payloads: [...args], ack: null };
}

/** A client event's payload as its schema parsed it (defaults applied, description types narrowed). */
export type ParsedPayload<K extends ClientEventName> = z.output<(typeof clientEvents)[K]['payload']>;

export function onValidatedEvent<K extends ClientEventName>(
  socket: SignalingSocket,
  deps: { rateLimits: RateLimits; logger: Logger },
  event: K,
  run: (payload: ParsedPayload<K>) => Promise<Record<string, unknown> | void>,
): void {
  // A spec client may emit without a callback: the event is handled all the same, just not answered.
  const listener = async (...args: unknown[]) => {
    const { payloads, ack } = splitArguments(args);
    const reply = ack ?? (() => undefined);
    try {
      if (!(await deps.rateLimits.socketEvent(event).tryConsume(`${socket.id}:${event}`))) {
        throw new AppError('rate_limited', `too many ${event} messages`);
      }
      if (payloads.length !== 1) {
        throw new AppError('bad_request', 'payload: send exactly one payload object', 'payload');
      }
      // TypeScript cannot follow a generic event name into the map; the schema is the event's own.
      const payload = parseInput(clientEvents[event].payload, payloads[0]) as ParsedPayload<K>;
      const result = await run(payload);
      reply({ ...result, ok: true });
    } catch (err) {
      if (err instanceof AppError) return reply({ ok: false, error: err.toJSON() });
      deps.logger.error({ err, event, userId: socket.data.userId }, 'socket event failed');
      reply({ ok: false, error: INTERNAL });
    }
  };
  socket.on(event, listener as never);
}

const ACCOUNT_GONE: ApiError = { code: 'unauthorized', message: 'this account no longer exists' };

/**
 * Installed on every connection before its handlers. Events of an account deleted since the handshake are
 * refused and the socket closed (within AccountCheck's cache time; a socket that resumed its session after
 * a blip skipped the handshake, so it is checked here too). An event no handler takes (an unknown name, or
 * the SFU's without an SFU configured) still gets its acknowledgement.
 */
export function guardClientEvents(
  socket: SignalingSocket,
  deps: { accounts: AccountCheck; logger: Logger },
): void {
  const { userId } = socket.data;
  const closeIfGone = (ack: Ack | null, exists: boolean): boolean => {
    if (exists) return false;
    ack?.({ ok: false, error: ACCOUNT_GONE });
    socket.disconnect(true);
    return true;
  };
  const lookupFailed = (ack: Ack | null) => (err: unknown) => {
    deps.logger.error({ err, userId }, 'account lookup for a socket failed');
    ack?.({ ok: false, error: INTERNAL });
  };

  if (socket.recovered) {
    deps.accounts.exists(userId).then((exists) => closeIfGone(null, exists), lookupFailed(null));
  }
  socket.use(([, ...args], next) => {
    const { ack } = splitArguments(args);
    deps.accounts.exists(userId).then((exists) => {
      if (!closeIfGone(ack, exists)) next();
    }, lookupFailed(ack));
  });
  socket.onAny((event: string, ...args: unknown[]) => {
    if (socket.listenerCount(event) > 0) return;
    splitArguments(args).ack?.({
      ok: false,
      error: { code: 'bad_request', message: 'this server does not handle this event' },
    });
  });
}
