/**
 * Devices coming and going while their user is in a call. A drop starts the reconnect grace (the sweeper
 * ends the participation if it outlives RECONNECT_GRACE_SECONDS); a reconnect clears it and tells the peers,
 * who then negotiate a fresh peer connection with the returning device.
 */
import type { Db } from '../db/db.ts';
import { clearDisconnected, findJoinedCallsOfUser, markDisconnected } from '../db/deviceLiveness.repo.ts';
import { participantIdsWithStatus } from '../db/participants.repo.ts';
import type { CallNotifier } from './notifier.ts';

export interface PresenceService {
  /**
   * `recovered`: socket.io restored the previous session (a short network blip): the device kept its peer
   * connections, so there is nothing for the peers to renegotiate.
   */
  deviceConnected(userId: string, deviceId: string, recovered: boolean): Promise<void>;
  /**
   * `stillOnline` answers whether other sockets of the device (or of the user, for a participant bound to no
   * device) remain, e.g. a second window; asked only when the user is in a call.
   */
  deviceDisconnected(
    userId: string,
    deviceId: string,
    stillOnline: { device(): Promise<boolean>; user(): Promise<boolean> },
  ): Promise<void>;
}

/** A participant who joined without naming a device is bound to the user's devices as a whole. */
const isOnDevice = (call: { deviceId: string | null }, deviceId: string) =>
  call.deviceId === null || call.deviceId === deviceId;

export function createPresenceService(db: Db, notifier: CallNotifier): PresenceService {
  // A reload closes the old socket and opens a new one at once: their updates must apply in that order, or
  // a late "disconnected" would start the grace for a device that is back online.
  const queues = new Map<string, Promise<void>>();
  function serialized(userId: string, work: () => Promise<void>): Promise<void> {
    const run = (queues.get(userId) ?? Promise.resolve()).then(work);
    const tail = run.catch(() => undefined);
    queues.set(userId, tail);
    void tail.then(() => {
      if (queues.get(userId) === tail) queues.delete(userId);
    });
    return run;
  }

  return {
    deviceConnected: (userId, deviceId, recovered) =>
      serialized(userId, async () => {
        const calls = (await findJoinedCallsOfUser(db, userId)).filter((c) => isOnDevice(c, deviceId));
        if (calls.length === 0) return;
        await clearDisconnected(
          db,
          calls.map((c) => c.callId),
          userId,
        );
        // A recovered session kept its peer connections; a new one (reload, restart, a drop the server may
        // not even have noticed yet) needs fresh ones.
        if (recovered) return;
        for (const { callId } of calls) {
          const others = (await participantIdsWithStatus(db, callId, ['joined'])).filter(
            (id) => id !== userId,
          );
          notifier.toUsers(others, 'call:participant-reconnected', { callId, userId });
        }
      }),

    deviceDisconnected: (userId, deviceId, stillOnline) =>
      serialized(userId, async () => {
        const calls = (await findJoinedCallsOfUser(db, userId)).filter((c) => isOnDevice(c, deviceId));
        if (calls.length === 0) return;
        const gone: string[] = [];
        for (const call of calls) {
          const online = call.deviceId === null ? await stillOnline.user() : await stillOnline.device();
          if (!online) gone.push(call.callId);
        }
        if (gone.length > 0) await markDisconnected(db, gone, userId);
      }),
  };
}
