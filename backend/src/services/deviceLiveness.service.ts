/**
 * Notices call participants whose device vanished without a disconnect. With several nodes, a node that
 * crashes (SIGKILL, out of memory, lost host) runs no disconnect handler, so nobody starts the reconnect grace
 * of the devices it held and their peers would wait for them forever. (A single node needs none of this: it
 * re-arms every grace when it starts again, see server.ts.)
 *
 * Every node periodically asks the whole cluster which of the devices the database believes online still
 * have a socket. A device missing in two consecutive rounds gets its grace started; the ordinary grace sweep
 * then marks it 'left' and tells the others, exactly as after a seen disconnect. The conditional update lets
 * only one node act when several find the same device gone.
 */
import { findDevicesPresumedOnline, markDeviceDisconnected } from '../db/deviceLiveness.repo.ts';
import type { Db } from '../db/db.ts';
import type { Logger } from '../logger.ts';

export interface DeviceOwner {
  userId: string;
  deviceId: string;
}

/**
 * The owners of every socket connected to one of these devices, anywhere in the cluster. Rejects when a node
 * does not answer in time: a partial answer would make that node's devices look gone.
 */
export type ConnectedDevicesProbe = (devices: readonly DeviceOwner[]) => Promise<DeviceOwner[]>;

const keyOf = (userId: string, deviceId: string) => JSON.stringify([userId, deviceId]);

/** Returns one liveness round, to run every few seconds. */
export function createDeviceLivenessSweep(
  db: Db,
  probe: ConnectedDevicesProbe,
  logger: Logger,
): () => Promise<void> {
  // Devices missing in the last completed round. Requiring a second miss spares a device that was between
  // two sockets (a reload, a move to another node) when the first round looked.
  let suspects = new Set<string>();

  return async function sweepDeviceLiveness() {
    const devices = await findDevicesPresumedOnline(db);
    if (devices.length === 0) {
      suspects = new Set();
      return;
    }
    let connected: Set<string>;
    try {
      const owners = await probe(devices);
      connected = new Set(owners.map((o) => keyOf(o.userId, o.deviceId)));
    } catch (err) {
      // A node too busy to answer, or one that died after being counted: the round proves nothing either
      // way, so the suspects wait for the next one.
      logger.warn({ err }, 'device liveness round skipped: the cluster did not answer');
      return;
    }
    const missing = new Set<string>();
    for (const { userId, deviceId } of devices) {
      const key = keyOf(userId, deviceId);
      if (connected.has(key)) continue;
      if (suspects.has(key)) await markDeviceDisconnected(db, userId, deviceId);
      else missing.add(key);
    }
    suspects = missing;
  };
}
