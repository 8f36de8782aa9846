import { z } from 'zod';
import type { CallNotifier, Leaver, ServerEvent, ServerEventPayload } from '../services/notifier.ts';
import type { RelayDirectory } from '../services/relayDirectory.ts';
import { deviceRoom, userRoom, type SignalingServer } from './socketTypes.ts';

type Operator = ReturnType<SignalingServer['to']>;

/**
 * Who another node says left: parsed like any input. A node of the previous version sends bare user ids,
 * which name no stay: then nothing ends at once, and the read of the call that follows decides.
 */
const Leavers = z.array(z.object({ userId: z.string(), stay: z.number().int() }));

/** socket.io's typed emit cannot follow a generic event name; CallNotifier already checked the payload. */
function emit<E extends ServerEvent>(operator: Operator, event: E, payload: ServerEventPayload<E>): void {
  (operator.emit as (event: string, payload: unknown) => boolean).call(operator, event, payload);
}

/**
 * Delivers service events through socket.io rooms (across every node when the Redis adapter is on), and
 * keeps every node's relay directory in step with committed call changes.
 */
export function createIoNotifier(
  io: SignalingServer,
  relayDirectory: RelayDirectory,
  /** Also told of every committed call change on any node (the SFU sessions of this node follow them). */
  onCallChanged: (callId: string, left: readonly Leaver[]) => void = () => undefined,
): CallNotifier {
  io.on('call:changed', (callId, left) => {
    relayDirectory.invalidate(callId);
    const leavers = Leavers.safeParse(left);
    onCallChanged(callId, leavers.success ? leavers.data : []);
  });
  return {
    toUsers(userIds, event, payload) {
      if (userIds.length > 0) emit(io.to(userIds.map(userRoom)), event, payload);
    },
    toOtherDevices(userId, exceptDeviceId, event, payload) {
      const devices = io.to(userRoom(userId));
      emit(
        exceptDeviceId === null ? devices : devices.except(deviceRoom(userId, exceptDeviceId)),
        event,
        payload,
      );
    },
    toDevice(userId, deviceId, event, payload) {
      emit(io.to(deviceId === null ? userRoom(userId) : deviceRoom(userId, deviceId)), event, payload);
    },
    callChanged(callId, left = []) {
      relayDirectory.invalidate(callId);
      io.serverSideEmit('call:changed', callId, [...left]);
      onCallChanged(callId, left);
    },
  };
}
