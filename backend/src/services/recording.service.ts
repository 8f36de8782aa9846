/**
 * Call recording on Janus: start and stop (the initiator, see mayControlRecording), the disk guard that
 * stops a recording before the disk fills, post-processing of finished calls into one WebM file
 * (renderRecording), the retention sweep, and where a recording's file lives for the download route.
 *
 * Janus writes raw tracks into `<dir>/raw/<callId>/`; the playable file is `<dir>/<callId>.webm`. Starting
 * talks to Janus under the call's lock: when Janus refuses, nothing changed (a room created to move a 1:1
 * call over is destroyed again).
 */
import { mkdir, rm, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { RecordingResponse } from '../../../src/shared/protocol.ts';
import { findCall } from '../db/calls.repo.ts';
import type { Db } from '../db/db.ts';
import {
  claimForProcessing,
  findExpiredRecordings,
  findOpenRecordingCalls,
  findRecording,
  findRecordingsToProcess,
  moveRecording,
} from '../db/recordings.repo.ts';
import { isConversationMember } from '../db/conversations.repo.ts';
import { listParticipants } from '../db/participants.repo.ts';
import { isOpen } from '../domain/callStateMachine.ts';
import {
  canApply,
  mayControlRecording,
  mayStopRecording,
  RECORDING_MESSAGES,
} from '../domain/recordingStateMachine.ts';
import { parseRoomRef } from '../domain/sfuRoomRef.ts';
import type { RecordingConfig } from '../config.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { NothingRecordedError, renderRecording } from '../recording/renderRecording.ts';
import { toRecordingDto } from './callDtos.ts';
import type { CallService } from './calls.service.ts';
import type { Outbox } from './notifier.ts';
import type { SfuRoomsPort } from './sfuRoomsPort.ts';

export interface RecordingService {
  start(userId: string, callId: string): Promise<RecordingResponse>;
  stop(userId: string, callId: string): Promise<RecordingResponse>;
  /** One sweep round: disk guard, post-processing of finished calls, retention. */
  sweep(): Promise<void>;
  /** The ready file of a call for a member of its conversation; 403 for others, 404 without one. */
  fileFor(userId: string, callId: string): Promise<string>;
}

export interface RecordingServiceDeps {
  db: Db;
  calls: Pick<CallService, 'withSfuRoom'>;
  sfu: Pick<SfuRoomsPort, 'setRecording'>;
  config: RecordingConfig;
  logger: Logger;
  /** Free bytes on the disk holding `dir` (replaced in tests to simulate a full disk). */
  freeBytes?: (dir: string) => Promise<number>;
  /** Time a finished call's room gets to close its files before processing starts. */
  settleMs?: number;
}

/** A 'processing' older than this belongs to a node that died while processing: another one takes over. */
const STALE_PROCESSING_MS = 60 * 60_000;
const DEFAULT_SETTLE_MS = 2_000;

export const recordingUrlOf = (callId: string) => `/api/calls/${callId}/recording`;

async function diskFreeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

export function createRecordingService(deps: RecordingServiceDeps): RecordingService {
  const { db, config, logger } = deps;
  const freeBytes = deps.freeBytes ?? diskFreeBytes;
  const settleMs = deps.settleMs ?? DEFAULT_SETTLE_MS;
  const rawDirOf = (callId: string) => path.join(config.dir, 'raw', callId);
  const fileOf = (callId: string) => path.join(config.dir, `${callId}.webm`);

  async function joinedIds(tx: Parameters<typeof listParticipants>[0], callId: string) {
    return (await listParticipants(tx, [callId])).filter((p) => p.status === 'joined').map((p) => p.userId);
  }

  const tell = (
    outbox: Outbox,
    to: string[],
    callId: string,
    state: 'recording' | 'stopped',
    byUserId: string | null,
    message: string | null,
  ) => outbox.toUsers(to, 'call:recording', { callId, state, byUserId, message });

  async function response(tx: Parameters<typeof findCall>[0], callId: string): Promise<RecordingResponse> {
    const row = await findCall(tx, callId);
    return { callId, recording: toRecordingDto(row!)! };
  }

  /** Stops a running recording (the initiator's stop, or the server's own with a message). */
  function stopLocked(callId: string, userId: string | null, message: string | null) {
    return deps.calls.withSfuRoom(callId, async ({ tx, call, outbox }) => {
      if (userId !== null) {
        const participants = await listParticipants(tx, [callId]);
        const me = participants.find((p) => p.userId === userId);
        if (!mayStopRecording(call, me, participants)) {
          throw new AppError('forbidden', 'only the call’s initiator can stop the recording');
        }
      }
      if (!canApply('stop', call.recordingState)) {
        throw new AppError('conflict', 'the call is not being recorded');
      }
      const room = parseRoomRef(call.sfuRoomId);
      // A Janus that cannot be asked records nothing more for this room anyway (it is gone or will be).
      if (room !== null) {
        await deps.sfu.setRecording(room.url, room.roomId, null).catch((err: unknown) => {
          logger.warn({ err, callId }, 'janus: stopping the recording failed');
        });
      }
      await moveRecording(tx, callId, userId === null ? 'interrupt' : 'stop', { message });
      tell(outbox, await joinedIds(tx, callId), callId, 'stopped', userId, message);
      return response(tx, callId);
    });
  }

  async function guardDisk(): Promise<void> {
    const open = await findOpenRecordingCalls(db);
    if (open.length === 0) return;
    if ((await freeBytes(config.dir)) >= config.minFreeBytes) return;
    for (const callId of open) {
      try {
        await stopLocked(callId, null, RECORDING_MESSAGES.diskFull);
        logger.warn({ callId }, 'recording stopped: disk almost full');
      } catch (err) {
        // Stopped (or the call ended) meanwhile: nothing left to do.
        if (!(err instanceof AppError)) throw err;
      }
    }
  }

  async function process(callId: string): Promise<void> {
    if (!(await claimForProcessing(db, callId, STALE_PROCESSING_MS))) return;
    const started = Date.now();
    try {
      const rendered = await renderRecording(rawDirOf(callId), fileOf(callId));
      await moveRecording(db, callId, 'processed', { url: recordingUrlOf(callId) });
      await rm(rawDirOf(callId), { recursive: true, force: true });
      logger.info({ callId, ...rendered, ms: Date.now() - started }, 'recording ready');
    } catch (err) {
      const nothing = err instanceof NothingRecordedError;
      if (!nothing) logger.warn({ err, callId }, 'recording post-processing failed');
      const message = nothing ? RECORDING_MESSAGES.nothingRecorded : RECORDING_MESSAGES.processingFailed;
      await moveRecording(db, callId, 'processFailed', { message });
    }
  }

  async function expire(): Promise<void> {
    for (const callId of await findExpiredRecordings(db, config.retentionDays)) {
      await rm(fileOf(callId), { force: true });
      await rm(rawDirOf(callId), { recursive: true, force: true });
      await moveRecording(db, callId, 'expire', { url: null });
    }
  }

  return {
    start(userId, callId) {
      return deps.calls.withSfuRoom(callId, async ({ tx, call, outbox, sfuRoom }) => {
        const participants = await listParticipants(tx, [callId]);
        const me = participants.find((p) => p.userId === userId);
        if (me === undefined) throw new AppError('forbidden', 'you are not a participant of this call');
        if (!isOpen(call.status) || me.status !== 'joined') {
          throw new AppError('conflict', 'you are not in this call');
        }
        if (!mayControlRecording(call, me)) {
          throw new AppError('forbidden', 'only the call’s initiator can start the recording');
        }
        if (!canApply('start', call.recordingState)) {
          throw new AppError('conflict', 'the call is already being recorded');
        }
        await mkdir(rawDirOf(callId), { recursive: true });
        if ((await freeBytes(config.dir)) < config.minFreeBytes) {
          throw new AppError('unavailable', 'the server has too little disk space to record');
        }
        // Heard before the topology change a 1:1 call goes through: nobody's media moves unannounced.
        const joined = participants.filter((p) => p.status === 'joined').map((p) => p.userId);
        tell(outbox, joined, callId, 'recording', userId, null);
        const room = await sfuRoom();
        try {
          await deps.sfu.setRecording(room.url, room.roomId, rawDirOf(callId));
        } catch (err) {
          logger.warn({ err, callId }, 'janus: starting the recording failed');
          throw new AppError('unavailable', 'the media server could not start recording; try again');
        }
        await moveRecording(tx, callId, 'start', { startedBy: userId, message: null });
        return response(tx, callId);
      });
    },

    stop: (userId, callId) => stopLocked(callId, userId, null),

    async sweep() {
      await guardDisk();
      for (const callId of await findRecordingsToProcess(db, settleMs, STALE_PROCESSING_MS)) {
        await process(callId);
      }
      await expire();
    },

    async fileFor(userId, callId) {
      const row = await findRecording(db, callId);
      if (row === null) throw new AppError('not_found', 'call not found');
      const member =
        (await isConversationMember(db, row.conversationId, userId)) ||
        (await listParticipants(db, [callId])).some((p) => p.userId === userId);
      if (!member) throw new AppError('forbidden', "you are not a member of this call's conversation");
      if (row.recordingState !== 'ready') throw new AppError('not_found', 'this call has no recording');
      return fileOf(callId);
    },
  };
}
