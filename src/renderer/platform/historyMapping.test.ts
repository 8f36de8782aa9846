import { describe, expect, it } from 'vitest';
import { HistoryEntry } from '../../shared/desktopApi.ts';
import { DEFAULT_MEDIA_STATE } from '../../shared/protocol.ts';
import type { CallHistoryItemDto, ParticipantDto } from '../../shared/protocol.ts';
import { toHistoryEntries, toHistoryEntry } from './historyMapping.ts';

const ME = '00000000-0000-4000-8000-000000000001';
const BOB = '00000000-0000-4000-8000-000000000002';

const person = (userId: string, userName: string, status: ParticipantDto['status']): ParticipantDto => ({
  userId,
  userName,
  userIdentifier: 'x@example.test',
  status,
  mediaState: DEFAULT_MEDIA_STATE,
  joinedAt: null,
  leftAt: null,
  connectionQuality: null,
});

function item(patch: Partial<CallHistoryItemDto>): CallHistoryItemDto {
  return {
    id: '10000000-0000-4000-8000-000000000001',
    conversationId: '20000000-0000-4000-8000-000000000001',
    type: 'video',
    status: 'ended',
    initiatedBy: BOB,
    startedAt: '2025-01-10T14:30:00.000Z',
    endedAt: '2025-01-10T14:32:00.000Z',
    durationSeconds: 120,
    endReason: 'ended-by-user',
    createdAt: '2025-01-10T14:29:50.000Z',
    sfuRoomId: null,
    participants: [person(BOB, 'Bob', 'left'), person(ME, 'Me', 'left')],
    direction: 'incoming',
    myStatus: 'left',
    ...patch,
  };
}

describe('server history -> desktop history entries', () => {
  it('maps an answered call with the other participants and its duration', () => {
    const entry = toHistoryEntry(item({}), ME);
    expect(entry).toMatchObject({ status: 'answered', durationSeconds: 120, unseen: false });
    expect(entry?.participants).toEqual([{ userId: BOB, name: 'Bob' }]);
    expect(HistoryEntry.safeParse(entry).success).toBe(true);
  });

  it("keeps a recorded call's recording, with its download only once ready and only from the server", () => {
    const id = '10000000-0000-4000-8000-000000000001';
    const recording = (state: 'processing' | 'ready' | 'failed', message: string | null = null) => ({
      state,
      startedBy: BOB,
      startedAt: '2025-01-10T14:30:10.000Z',
      message,
    });
    expect(toHistoryEntry(item({}), ME)?.recording).toBeNull();
    expect(toHistoryEntry(item({ recording: recording('processing') }), ME)?.recording).toEqual({
      state: 'processing',
      url: null,
      message: null,
    });
    const ready = toHistoryEntry(
      item({ recording: recording('ready'), recordingUrl: `/api/calls/${id}/recording` }),
      ME,
    );
    expect(ready?.recording).toEqual({ state: 'ready', url: `/api/calls/${id}/recording`, message: null });
    expect(HistoryEntry.safeParse(ready).success).toBe(true);
    // The download sends the session's token: an address elsewhere is never kept.
    expect(
      toHistoryEntry(item({ recording: recording('ready'), recordingUrl: 'https://evil.example/r' }), ME)
        ?.recording?.url,
    ).toBeNull();
    const failed = toHistoryEntry(item({ recording: recording('failed', 'x'.repeat(900)) }), ME);
    expect(failed?.recording?.message).toHaveLength(500);
    expect(HistoryEntry.safeParse(failed).success).toBe(true);
  });

  it('marks an incoming call I never joined as missed and unseen, dated when it rang', () => {
    const entry = toHistoryEntry(
      item({
        status: 'missed',
        startedAt: null,
        endedAt: '2025-01-10T14:30:45.000Z',
        durationSeconds: null,
        myStatus: 'missed',
      }),
      ME,
    );
    expect(entry).toMatchObject({ status: 'missed', unseen: true, startedAt: '2025-01-10T14:29:50.000Z' });
  });

  it('tells declined and failed calls apart, and an outgoing call nobody answered as missed but seen', () => {
    expect(
      toHistoryEntry(item({ status: 'rejected', myStatus: 'rejected', startedAt: null }), ME)?.status,
    ).toBe('rejected');
    expect(toHistoryEntry(item({ status: 'failed' }), ME)?.status).toBe('failed');
    const unanswered = toHistoryEntry(
      item({ direction: 'outgoing', status: 'missed', startedAt: null, myStatus: 'left', initiatedBy: ME }),
      ME,
    );
    expect(unanswered).toMatchObject({ status: 'missed', unseen: false });
  });

  it('leaves out calls that are still going on', () => {
    expect(toHistoryEntries([item({ status: 'active', myStatus: 'joined' }), item({})], ME)).toHaveLength(1);
  });

  it('a group call names who was in it, not everyone it rang for', () => {
    const CAROL = '00000000-0000-4000-8000-000000000003';
    const DAN = '00000000-0000-4000-8000-000000000004';
    const at = '2025-01-10T14:30:00.000Z';
    const entry = toHistoryEntry(
      item({
        participants: [
          { ...person(BOB, 'Bob', 'left'), joinedAt: at },
          { ...person(CAROL, 'Carol', 'rejected') },
          { ...person(DAN, 'Dan', 'left'), joinedAt: at },
          { ...person(ME, 'Me', 'left'), joinedAt: at },
        ],
      }),
      ME,
    );
    expect(entry?.participants.map((p) => p.name)).toEqual(['Bob', 'Dan']);
  });
});
