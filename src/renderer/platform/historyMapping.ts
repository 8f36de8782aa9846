import { FINAL_CALL_STATUSES } from '../../shared/protocol.ts';
import type { CallHistoryItemDto } from '../../shared/protocol.ts';
import { RECORDING_PATH } from '../../shared/desktopApi.ts';
import type { HistoryEntry, HistoryFinalStatus, HistoryRecording } from '../../shared/desktopApi.ts';

/** How the call ended from my side: what the history row shows and what "missed" filters on. */
function finalStatus(item: CallHistoryItemDto): HistoryFinalStatus {
  if (item.status === 'failed') return 'failed';
  if (item.myStatus === 'rejected' || (item.direction === 'outgoing' && item.status === 'rejected')) {
    return 'rejected';
  }
  // Answered means I was in the call after it started; an incoming call I never joined, or an outgoing
  // call nobody picked up (timed out or cancelled), is missed.
  const answered = item.startedAt !== null && (item.myStatus === 'joined' || item.myStatus === 'left');
  return answered ? 'answered' : 'missed';
}

/**
 * Who the entry names: those who were in the call (in a group, not everyone invited), or, for a call nobody
 * else joined, everyone it rang for.
 */
function peopleOf(item: CallHistoryItemDto, selfId: string) {
  const others = item.participants.filter((p) => p.userId !== selfId);
  const wereIn = others.filter((p) => p.joinedAt !== null);
  return wereIn.length > 0 ? wereIn : others;
}

/** The call's recording as the history keeps it: the download address only once the file is ready. */
function recordingOf(item: CallHistoryItemDto): HistoryRecording | null {
  if (!item.recording) return null;
  const { state, message } = item.recording;
  const url = state === 'ready' ? (item.recordingUrl ?? null) : null;
  return {
    state,
    // Anything but the server's own recording route is not followed (the download sends the session's token).
    url: url !== null && RECORDING_PATH.test(url) ? url : null,
    message: message === null ? null : message.slice(0, 500),
  };
}

/** A finished call from the server's history as a DesktopApi history entry (null while it is still going on). */
export function toHistoryEntry(item: CallHistoryItemDto, selfId: string): HistoryEntry | null {
  if (!FINAL_CALL_STATUSES.includes(item.status)) return null;
  const status = finalStatus(item);
  return {
    callId: item.id,
    direction: item.direction,
    type: item.type,
    participants: peopleOf(item, selfId)
      .slice(0, 20)
      .map((p) => ({ userId: p.userId, name: p.userName.slice(0, 200) })),
    startedAt: item.startedAt ?? item.createdAt,
    endedAt: item.endedAt,
    durationSeconds: item.durationSeconds === null ? null : Math.max(0, item.durationSeconds),
    status,
    unseen: item.direction === 'incoming' && status === 'missed',
    recording: recordingOf(item),
  };
}

export function toHistoryEntries(items: readonly CallHistoryItemDto[], selfId: string): HistoryEntry[] {
  return items.flatMap((item) => toHistoryEntry(item, selfId) ?? []);
}
