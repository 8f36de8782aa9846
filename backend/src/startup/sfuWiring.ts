/**
 * Extra: the SFU side of the backend (only with JANUS_URLS set): the Janus pool and rooms, the media server
 * sessions of connected devices, what the socket handlers need to reach them, and the sweep of rooms left
 * behind on an instance by a crash.
 */
import { Uuid } from '../../../src/shared/protocol.ts';
import type { Config } from '../config.ts';
import { findCall } from '../db/calls.repo.ts';
import type { Db } from '../db/db.ts';
import { joinedDevices } from '../db/participants.repo.ts';
import { findSfuCallsOfDevice } from '../db/sfuPlacement.repo.ts';
import { isOpen } from '../domain/callStateMachine.ts';
import { formatRoomRef, parseRoomRef } from '../domain/sfuRoomRef.ts';
import type { Logger } from '../logger.ts';
import type { CallNotifier } from '../services/notifier.ts';
import type { SfuRoomsPort } from '../services/sfuRoomsPort.ts';
import { createJanusPool, type JanusPool } from '../sfu/janusPool.ts';
import { createJanusRooms, type JanusRooms } from '../sfu/janusRooms.ts';
import { janusRoomsPort } from '../sfu/janusRoomsPort.ts';
import { createSfuSessions, type SfuSessions } from '../sfu/sfuSessions.ts';
import type { SfuSocketDeps } from '../socket/socketServer.ts';

export interface Janus {
  pool: JanusPool;
  rooms: JanusRooms;
  /** The rooms as the call and recording services use them. */
  port: SfuRoomsPort;
}

export function createJanus(config: NonNullable<Config['janus']>, logger: Logger): Janus {
  const pool = createJanusPool({ urls: config.urls, logger });
  const rooms = createJanusRooms({ pool, adminKey: config.adminKey, logger });
  return { pool, rooms, port: janusRoomsPort(pool, rooms) };
}

/**
 * Destroys rooms left on an instance by calls that ended while no node could destroy them (a crash). Run
 * whenever an instance comes up (start-up included); rooms of calls still open in them are kept.
 */
function sweepOrphanedRooms(db: Db, rooms: JanusRooms, logger: Logger): Promise<void> {
  return rooms
    .sweepOrphans(async ({ url, roomId, callId }) => {
      if (!Uuid.safeParse(callId).success) return false;
      const call = await findCall(db, callId);
      return call !== null && isOpen(call.status) && call.sfuRoomId === formatRoomRef({ url, roomId });
    })
    .then(
      () => undefined,
      (err: unknown) => logger.warn({ err }, 'janus orphaned room sweep failed'),
    );
}

/**
 * Sweeps orphaned rooms whenever an instance comes up. Instances coming up together share one sweep (it
 * covers every healthy instance); one coming up during a sweep gets another after it. `track` hands each
 * sweep to the graceful shutdown, which waits for it before closing the database.
 */
function sweepOrphansOnInstanceUp(
  janus: Janus,
  db: Db,
  logger: Logger,
  track: (work: Promise<void>) => void,
): void {
  let sweep: Promise<void> | null = null;
  let again = false;
  const sweepSoon = (): void => {
    if (sweep !== null) {
      again = true;
      return;
    }
    sweep = sweepOrphanedRooms(db, janus.rooms, logger).finally(() => {
      sweep = null;
      if (again) {
        again = false;
        sweepSoon();
      }
    });
    track(sweep);
  };
  janus.pool.onInstanceUp(sweepSoon);
}

export interface SfuWiring {
  sessions: SfuSessions;
  socket: SfuSocketDeps;
}

export function wireSfu(deps: {
  janus: Janus;
  db: Db;
  notifier: CallNotifier;
  logger: Logger;
  track(work: Promise<void>): void;
}): SfuWiring {
  const { janus, db, logger } = deps;
  const loadCall = async (callId: string) => {
    const call = await findCall(db, callId);
    return call === null ? null : { open: isOpen(call.status), sfuRoomId: call.sfuRoomId };
  };
  const sessions = createSfuSessions({
    pool: janus.pool,
    notifier: deps.notifier,
    logger,
    loadCallState: async (callId) => {
      const [call, devices] = await Promise.all([loadCall(callId), joinedDevices(db, callId)]);
      return { open: call?.open ?? false, sfuRoomId: call?.sfuRoomId ?? null, devices };
    },
  });
  sweepOrphansOnInstanceUp(janus, db, logger, deps.track);
  return {
    sessions,
    socket: {
      sessions,
      loadCall,
      sfuCallsOfDevice: async (userId, deviceId) =>
        (await findSfuCallsOfDevice(db, userId, deviceId)).flatMap((c) => {
          const room = parseRoomRef(c.sfuRoomId);
          return room === null ? [] : [{ callId: c.callId, epoch: room.roomId }];
        }),
    },
  };
}
