/**
 * The SFU rooms of calls: where a new room goes, when a join moves a call to the SFU (domain/topologyPolicy),
 * telling everyone in the call about a new room, and destroying rooms nobody uses any more.
 */
import type { Queryable } from '../db/db.ts';
import { sfuLoadByInstance } from '../db/sfuPlacement.repo.ts';
import type { LockedCall, Participant } from '../domain/call.ts';
import { pickInstance } from '../domain/roomPlacement.ts';
import type { SfuRoomRef } from '../domain/sfuRoomRef.ts';
import { decideJoin } from '../domain/topologyPolicy.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Outbox } from './notifier.ts';
import type { SfuRoomsPort } from './sfuRoomsPort.ts';

export interface CallRooms {
  /** After commit, or after a rollback left a new room unused. A leftover is swept at the next start-up. */
  destroyQuietly(room: SfuRoomRef): void;
  /**
   * Creates the call's room on the least-loaded healthy instance (load = joined participants of open calls
   * there), trying the next one if an instance fails meanwhile; null when none could.
   */
  open(tx: Queryable, callId: string, avoidUrl?: string): Promise<SfuRoomRef | null>;
  /**
   * Whether a joiner fits in the call as it is (null), makes it move to a new SFU room (the room), or is
   * refused (throws). `joinedAfter` counts the joiner.
   */
  topologyOnJoin(tx: Queryable, call: LockedCall, joinedAfter: number): Promise<SfuRoomRef | null>;
}

export function createCallRooms(sfu: SfuRoomsPort | null, logger: Logger | undefined): CallRooms {
  async function open(tx: Queryable, callId: string, avoidUrl?: string): Promise<SfuRoomRef | null> {
    if (sfu === null) return null;
    const candidates = sfu.healthy().filter((url) => url !== avoidUrl);
    if (candidates.length === 0) return null;
    const load = await sfuLoadByInstance(tx);
    while (candidates.length > 0) {
      const url = pickInstance(candidates, load)!;
      try {
        return { url, roomId: await sfu.create(url, callId) };
      } catch (err) {
        logger?.warn({ err, janusUrl: url, callId }, 'janus room creation failed');
        candidates.splice(candidates.indexOf(url), 1);
      }
    }
    return null;
  }

  return {
    destroyQuietly(room) {
      // A dead instance cannot be asked, and a restarted Janus starts without our (non-permanent) rooms.
      if (sfu === null || !sfu.healthy().includes(room.url)) return;
      sfu.destroy(room.url, room.roomId).catch((err: unknown) => {
        logger?.warn({ err, janusUrl: room.url, roomId: room.roomId }, 'janus room destroy failed');
      });
    },

    open,

    async topologyOnJoin(tx, call, joinedAfter) {
      const situation = {
        joinedAfter,
        currentTopology: call.sfuRoomId === null ? ('mesh' as const) : ('sfu' as const),
        sfuConfigured: sfu !== null,
        sfuReachable: sfu !== null && sfu.healthy().length > 0,
      };
      let decision = decideJoin(situation);
      if (decision.action === 'move-to-sfu') {
        const room = await open(tx, call.id);
        if (room !== null) return room;
        // Every instance failed to create the room: the call goes on as if the SFU were unreachable.
        decision = decideJoin({ ...situation, sfuReachable: false });
      }
      if (decision.action === 'refuse') throw new AppError(decision.code, decision.message);
      return null;
    },
  };
}

/** `call:topology` to the device each joined participant is in the call on. */
export function announceTopology(
  outbox: Outbox,
  joined: readonly Pick<Participant, 'userId' | 'deviceId'>[],
  callId: string,
  room: SfuRoomRef,
  reason: 'participant-joined' | 'sfu-failover' | 'recording-started',
): void {
  for (const p of joined) {
    outbox.toDevice(p.userId, p.deviceId, 'call:topology', {
      callId,
      topology: 'sfu',
      epoch: room.roomId,
      reason,
    });
  }
}
