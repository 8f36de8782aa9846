/**
 * Client -> server socket events. Every payload is validated, rate limited per socket and event type, and
 * answered through its acknowledgement; offers, answers and ICE candidates are relayed only between joined
 * participants of the same call, to the device the target joined on, with `fromUserId` stamped here.
 */
import type { z } from 'zod';
import {
  AnswerPayload,
  IceCandidatePayload,
  OfferPayload,
  QualityReportPayload,
} from '../../../src/shared/protocol.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { RateLimits, SocketEventName } from '../rateLimits.ts';
import type { CallMediaService } from '../services/callMedia.service.ts';
import type { RelayDirectory } from '../services/relayDirectory.ts';
import { deviceRoom, userRoom, type SignalingServer, type SignalingSocket } from './socketTypes.ts';
import { onValidatedEvent } from './validatedEvent.ts';

export interface SignalingDeps {
  io: SignalingServer;
  relayDirectory: RelayDirectory;
  media: CallMediaService;
  rateLimits: RateLimits;
  logger: Logger;
}

/** The room of the target's joined device; throws unless sender and target are both in the call. */
async function relayRoom(
  directory: RelayDirectory,
  sender: { userId: string; deviceId: string },
  callId: string,
  targetUserId: string,
): Promise<string> {
  if (targetUserId === sender.userId) {
    throw new AppError('bad_request', 'targetUserId: cannot signal yourself', 'targetUserId');
  }
  let devices = await directory.joinedDevices(callId, false);
  if (!devices.has(sender.userId) || !devices.has(targetUserId)) {
    // Never refuse on a cached answer: it may predate the join this message follows.
    devices = await directory.joinedDevices(callId, true);
  }
  const senderDevice = devices.get(sender.userId);
  // The same user's other devices are not in the call, even though the user is.
  if (senderDevice === undefined || (senderDevice !== null && senderDevice !== sender.deviceId)) {
    throw new AppError('forbidden', 'this device is not in the call', 'callId');
  }
  const targetDevice = devices.get(targetUserId);
  if (targetDevice === undefined)
    throw new AppError('forbidden', 'the target is not in the call', 'targetUserId');
  return targetDevice === null ? userRoom(targetUserId) : deviceRoom(targetUserId, targetDevice);
}

export function registerSignalingHandlers(socket: SignalingSocket, deps: SignalingDeps): void {
  const { userId, deviceId } = socket.data;
  const handle = <S extends z.ZodType>(
    event: SocketEventName,
    schema: S,
    run: (payload: z.output<S>) => Promise<void>,
  ) => onValidatedEvent(socket, deps, event, schema, run);

  const sender = { userId, deviceId };
  handle('call:offer', OfferPayload, async ({ callId, targetUserId, offer }) => {
    const room = await relayRoom(deps.relayDirectory, sender, callId, targetUserId);
    deps.io.to(room).emit('call:offer', { callId, fromUserId: userId, offer });
  });
  handle('call:answer', AnswerPayload, async ({ callId, targetUserId, answer }) => {
    const room = await relayRoom(deps.relayDirectory, sender, callId, targetUserId);
    deps.io.to(room).emit('call:answer', { callId, fromUserId: userId, answer });
  });
  handle('call:ice-candidate', IceCandidatePayload, async ({ callId, targetUserId, candidate }) => {
    const room = await relayRoom(deps.relayDirectory, sender, callId, targetUserId);
    deps.io.to(room).emit('call:ice-candidate', { callId, fromUserId: userId, candidate });
  });
  handle('call:quality-report', QualityReportPayload, (report) =>
    deps.media.reportQuality(userId, deviceId, report),
  );
}
