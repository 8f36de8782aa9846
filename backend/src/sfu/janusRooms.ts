/**
 * VideoRoom rooms on the Janus instances: one per group call, created, listed and destroyed through one
 * management handle per instance, always with the admin key (the VideoRoom plugin refuses `create` without
 * it, and lists private rooms only with it).
 *
 * Each room also gets a secret derived from the admin key and the room id (HMAC), so any backend node can
 * destroy or moderate it, and nothing else connected to Janus can.
 *
 * A room names its call in its description, `callbridge:<callId>:<createdAtMs>`: after a crash the start-up
 * sweep finds rooms whose call has ended and destroys them. Per-instance load for placement comes from the
 * database (calls.sfu_room_id), not from here.
 */
import { createHmac, randomInt } from 'node:crypto';
import { z } from 'zod';
import { MAX_CALL_PARTICIPANTS } from '../../../src/shared/protocol/index.ts';
import type { Logger } from '../logger.ts';
import { JanusError } from './janusClient.ts';
import { attachVideoRoom, type JanusPool, type JanusSession, type VideoRoomHandle } from './janusPool.ts';

export interface JanusRoom {
  url: string;
  roomId: number;
  callId: string;
  createdAt: Date;
}

export interface JanusRooms {
  /** Creates the call's room on `url`; returns its id (a random safe integer, the call's SFU epoch). */
  create(url: string, options: { callId: string }): Promise<number>;
  /** Destroys a room; a room that no longer exists counts as destroyed. */
  destroy(url: string, roomId: number): Promise<void>;
  /**
   * Starts (recDir = the folder Janus writes into) or stops (null) the VideoRoom's own recording of every
   * publisher of the room, present and future. One .mjr file per published m-line.
   */
  setRecording(url: string, roomId: number, recDir: string | null): Promise<void>;
  /** The CallBridge rooms on `url` (rooms without our description are left out). */
  list(url: string): Promise<JanusRoom[]>;
  /**
   * Destroys, on every healthy instance, the rooms older than minAgeMs whose call `isLive` says no longer uses
   * them. Younger rooms are kept: another node may be between creating a room and recording it. Returns the
   * destroyed rooms; an unreachable instance is logged and skipped.
   */
  sweepOrphans(
    isLive: (room: { url: string; roomId: number; callId: string }) => Promise<boolean>,
    minAgeMs?: number,
  ): Promise<JanusRoom[]>;
}

/**
 * REMB cap Janus sends each publisher: the three simulcast layers (~1.2 Mbps + 400 + 120 kbps) and room for
 * a screen share beside them, without letting one publisher flood everyone's downlink.
 */
export const PUBLISHER_BITRATE_BPS = 2_500_000;
/** Rooms newer than this are never swept (another node may be between create and the database write). */
export const DEFAULT_ORPHAN_MIN_AGE_MS = 60_000;

const DESCRIPTION_PREFIX = 'callbridge';
const DESCRIPTION = /^callbridge:([^:]{1,64}):(\d{1,15})$/;
/** Random room ids stay below 2^48: safe integers everywhere (JSON, SfuEpoch, Janus's guint64). */
const MAX_ROOM_ID = 2 ** 48 - 1;
const CREATE_ATTEMPTS = 3;

const ERROR_NO_SUCH_ROOM = 426;
const ERROR_ROOM_EXISTS = 427;

const VideoRoomAnswer = z.looseObject({ videoroom: z.string(), room: z.number().optional() });
const RoomList = z.object({
  videoroom: z.literal('success'),
  list: z.array(z.looseObject({ room: z.number(), description: z.string().optional() })),
});

export function createJanusRooms(options: {
  pool: JanusPool;
  adminKey: string;
  logger: Logger;
  now?: () => number;
}): JanusRooms {
  const { pool, adminKey, logger } = options;
  const now = options.now ?? Date.now;
  /** The management handle of each instance, for the session it was attached in. */
  const handles = new Map<string, { session: JanusSession; handle: Promise<VideoRoomHandle> }>();

  const managementHandle = async (url: string): Promise<VideoRoomHandle> => {
    const session = await pool.session(url);
    const cached = handles.get(url);
    if (cached && cached.session === session) return cached.handle;
    const handle = attachVideoRoom(session);
    handles.set(url, { session, handle });
    handle.catch(() => {
      if (handles.get(url)?.handle === handle) handles.delete(url);
    });
    return handle;
  };

  const request = async (url: string, body: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const handle = await managementHandle(url);
    const response = await handle.message(body);
    const data = response.plugindata?.data;
    if (data === undefined) throw new Error(`Janus gave no plugin data to ${String(body.request)}`);
    return data;
  };

  const destroy = async (url: string, roomId: number): Promise<void> => {
    try {
      await request(url, { request: 'destroy', room: roomId, secret: roomSecret(adminKey, roomId) });
    } catch (error) {
      if (janusErrorCode(error) === ERROR_NO_SUCH_ROOM) return;
      throw error;
    }
  };

  const list = async (url: string): Promise<JanusRoom[]> => {
    const answer = RoomList.parse(await request(url, { request: 'list', admin_key: adminKey }));
    return answer.list.flatMap(({ room, description }) => {
      const match = DESCRIPTION.exec(description ?? '');
      return match ? [{ url, roomId: room, callId: match[1]!, createdAt: new Date(Number(match[2])) }] : [];
    });
  };

  /** A room request that must be answered with `expected` (Janus errors reject on their own). */
  const expect = async (url: string, body: Record<string, unknown>, expected: string): Promise<void> => {
    const answer = VideoRoomAnswer.parse(await request(url, body));
    if (answer.videoroom !== expected) {
      throw new Error(`unexpected answer to ${String(body.request)}: ${answer.videoroom}`);
    }
  };

  return {
    async setRecording(url, roomId, recDir) {
      const secret = roomSecret(adminKey, roomId);
      // The folder first: publishers already in the room start recording at enable_recording.
      if (recDir !== null) {
        await expect(url, { request: 'edit', room: roomId, secret, new_rec_dir: recDir }, 'edited');
      }
      await expect(
        url,
        { request: 'enable_recording', room: roomId, secret, record: recDir !== null },
        'success',
      );
    },

    async create(url, { callId }) {
      if (!/^[^:]{1,64}$/.test(callId)) throw new Error('callId must be 1-64 characters without ":"');
      for (let attempt = 1; ; attempt++) {
        const roomId = randomInt(1, MAX_ROOM_ID);
        try {
          const answer = VideoRoomAnswer.parse(
            await request(url, {
              request: 'create',
              admin_key: adminKey,
              room: roomId,
              secret: roomSecret(adminKey, roomId),
              description: `${DESCRIPTION_PREFIX}:${callId}:${now()}`,
              // Private: hidden from `list` without the admin key. Not permanent: never written to the
              // config file, so a restarted Janus starts empty and the sweep has nothing stale to find.
              is_private: true,
              permanent: false,
              publishers: MAX_CALL_PARTICIPANTS,
              audiocodec: 'opus',
              videocodec: 'vp8',
              bitrate: PUBLISHER_BITRATE_BPS,
              // A keyframe request every 10 s heals subscribers that lost a keyframe without asking.
              fir_freq: 10,
              // Clients detect the active speaker from the audio-level header extension themselves; Janus's
              // talking events would be one more message per speaker change through the backend.
              audiolevel_ext: true,
              audiolevel_event: false,
              audio_active_packets: 50,
              notify_joining: true,
            }),
          );
          if (answer.videoroom !== 'created')
            throw new Error(`unexpected answer to create: ${answer.videoroom}`);
          return roomId;
        } catch (error) {
          if (janusErrorCode(error) === ERROR_ROOM_EXISTS && attempt < CREATE_ATTEMPTS) continue;
          throw error;
        }
      }
    },

    destroy,
    list,

    async sweepOrphans(isLive, minAgeMs = DEFAULT_ORPHAN_MIN_AGE_MS) {
      const destroyed: JanusRoom[] = [];
      for (const url of pool.healthy()) {
        let rooms: JanusRoom[];
        try {
          rooms = await list(url);
        } catch (error) {
          logger.warn({ err: error, janusUrl: url }, 'janus room sweep: cannot list rooms');
          continue;
        }
        for (const room of rooms) {
          if (now() - room.createdAt.getTime() < minAgeMs) continue;
          try {
            if (await isLive({ url, roomId: room.roomId, callId: room.callId })) continue;
            await destroy(url, room.roomId);
            destroyed.push(room);
          } catch (error) {
            logger.warn({ err: error, janusUrl: url, roomId: room.roomId }, 'janus room sweep failed');
          }
        }
      }
      if (destroyed.length > 0) logger.info({ rooms: destroyed.length }, 'janus orphaned rooms destroyed');
      return destroyed;
    },
  };
}

/**
 * The room's secret (needed to destroy, edit or kick): derived, so every node computes it from the admin
 * key alone and nothing has to be stored.
 */
export function roomSecret(adminKey: string, roomId: number): string {
  return createHmac('sha256', adminKey).update(`room:${roomId}`).digest('base64url');
}

/** The Janus or VideoRoom error code of a rejected request (426 = no such room), if any. */
export function janusErrorCode(error: unknown): number | null {
  return error instanceof JanusError ? error.code : null;
}
