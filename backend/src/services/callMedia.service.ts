/** What a joined participant reports during a call: media state (mute, camera, screen) and quality stats. */
import type {
  QualityReportPayload,
  UpdateMediaRequest,
  UpdateMediaResponse,
} from '../../../src/shared/protocol.ts';
import { findCall } from '../db/calls.repo.ts';
import type { Db } from '../db/db.ts';
import {
  findParticipant,
  participantIdsWithStatus,
  saveQualityReport,
  updateMediaState,
} from '../db/participants.repo.ts';
import { isOpen } from '../domain/callStateMachine.ts';
import { AppError } from '../errors.ts';
import type { CallNotifier } from './notifier.ts';
import { accumulateReport, parseStoredMediaStats, worstQuality } from './quality.ts';

export interface CallMediaService {
  updateMedia(userId: string, callId: string, patch: UpdateMediaRequest): Promise<UpdateMediaResponse>;
  /** Only from the device the participant is in the call on (any of theirs if they joined naming none). */
  reportQuality(userId: string, deviceId: string, report: QualityReportPayload): Promise<void>;
}

export function createCallMediaService(db: Db, notifier: CallNotifier): CallMediaService {
  /** 404 unknown call, 403 not a participant, 409 not (or no longer) in the call. */
  async function requireJoined(callId: string, userId: string) {
    const call = await findCall(db, callId);
    if (call === null) throw new AppError('not_found', 'call not found');
    const me = await findParticipant(db, callId, userId);
    if (me === null) throw new AppError('forbidden', 'you are not a participant of this call');
    if (!isOpen(call.status) || me.status !== 'joined') {
      throw new AppError('conflict', 'you are not in this call');
    }
    return me;
  }

  return {
    async updateMedia(userId, callId, patch) {
      await requireJoined(callId, userId);
      const mediaState = await updateMediaState(db, callId, userId, patch);
      if (mediaState === null) throw new AppError('conflict', 'you are not in this call');
      const others = (await participantIdsWithStatus(db, callId, ['joined'])).filter((id) => id !== userId);
      notifier.toUsers(others, 'call:media-state-changed', { callId, userId, mediaState });
      return { success: true, mediaState };
    },

    async reportQuality(userId, deviceId, report) {
      const me = await requireJoined(report.callId, userId);
      if (me.deviceId !== null && me.deviceId !== deviceId) {
        throw new AppError('forbidden', 'this device is not in the call', 'callId');
      }
      // Only this participant's own reports write this row, and a client reports every few seconds, so a
      // read-modify-write outside a transaction loses nothing that matters.
      const stats = accumulateReport(parseStoredMediaStats(me.mediaStats), report.samples, new Date());
      const current = worstQuality(report.samples.map((s) => s.quality)) ?? 'good';
      await saveQualityReport(db, report.callId, userId, { ...stats }, current);
    },
  };
}
