/**
 * Client -> server socket events. Every payload is validated, rate limited per socket and event type, and
 * answered through its acknowledgement; offers, answers and ICE candidates are relayed only between
 * participants of the same call (see relayRoom), with `fromUserId` and `fromDeviceId` stamped here.
 */
import type { ClientEventName } from '../../../src/shared/protocol/index.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { RateLimits } from '../rateLimits.ts';
import type { CallMediaService } from '../services/callMedia.service.ts';
import type { RelayDirectory } from '../services/relayDirectory.ts';
import { deviceRoom, userRoom, type SignalingServer, type SignalingSocket } from './socketTypes.ts';
import { onValidatedEvent, type ParsedPayload } from './validatedEvent.ts';

export interface SignalingDeps {
  io: SignalingServer;
  relayDirectory: RelayDirectory;
  media: CallMediaService;
  rateLimits: RateLimits;
  logger: Logger;
}

/**
 * Where a message of `sender` for `targetUserId` goes; throws unless both are participants of the call.
 * A joined participant signals from, and is reached on, the device they joined on. One still ringing signals
 * from any of their devices (each ringing device answers the caller's offer while it rings) and is reached on
 * all of them, or on the one `targetDeviceId` names.
 */
async function relayRoom(
  directory: RelayDirectory,
  sender: { userId: string; deviceId: string },
  callId: string,
  target: { userId: string; deviceId: string | undefined },
): Promise<string> {
  if (target.userId === sender.userId) {
    throw new AppError('bad_request', 'targetUserId: cannot signal yourself', 'targetUserId');
  }
  let participants = await directory.participants(callId, false);
  if (!participants.has(sender.userId) || !participants.has(target.userId)) {
    // Never refuse on a cached answer: it may predate the join or invitation this message follows.
    participants = await directory.participants(callId, true);
  }
  const from = participants.get(sender.userId);
  // The same user's other devices are not in the call once one of them joined, even though the user is.
  if (from === undefined || (from.joined && from.deviceId !== null && from.deviceId !== sender.deviceId)) {
    throw new AppError('forbidden', 'this device is not in the call', 'callId');
  }
  const to = participants.get(target.userId);
  if (to === undefined) throw new AppError('forbidden', 'the target is not in the call', 'targetUserId');
  const device = to.joined ? to.deviceId : (target.deviceId ?? null);
  if (to.joined && target.deviceId !== undefined && to.deviceId !== null && to.deviceId !== target.deviceId) {
    throw new AppError('forbidden', 'that device of the target is not in the call', 'targetDeviceId');
  }
  return device === null ? userRoom(target.userId) : deviceRoom(target.userId, device);
}

export function registerSignalingHandlers(socket: SignalingSocket, deps: SignalingDeps): void {
  const { userId, deviceId } = socket.data;
  const handle = <K extends ClientEventName>(event: K, run: (payload: ParsedPayload<K>) => Promise<void>) =>
    onValidatedEvent(socket, deps, event, run);

  const sender = { userId, deviceId };
  const stamp = { fromUserId: userId, fromDeviceId: deviceId };
  handle('call:offer', async ({ callId, targetUserId, targetDeviceId, offer, preconnect }) => {
    const to = { userId: targetUserId, deviceId: targetDeviceId };
    const room = await relayRoom(deps.relayDirectory, sender, callId, to);
    deps.io.to(room).emit('call:offer', { callId, ...stamp, offer, ...(preconnect ? { preconnect } : {}) });
  });
  handle('call:answer', async ({ callId, targetUserId, targetDeviceId, answer }) => {
    const to = { userId: targetUserId, deviceId: targetDeviceId };
    const room = await relayRoom(deps.relayDirectory, sender, callId, to);
    deps.io.to(room).emit('call:answer', { callId, ...stamp, answer });
  });
  handle('call:ice-candidate', async ({ callId, targetUserId, targetDeviceId, candidate }) => {
    const to = { userId: targetUserId, deviceId: targetDeviceId };
    const room = await relayRoom(deps.relayDirectory, sender, callId, to);
    deps.io.to(room).emit('call:ice-candidate', { callId, ...stamp, candidate });
  });
  handle('call:quality-report', (report) => deps.media.reportQuality(userId, deviceId, report));
}
