import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_MEDIA_STATE } from '../../shared/protocol.ts';
import type { ListCallsResponse } from '../../shared/protocol.ts';
import type { RestClient } from '../signaling/restClient.ts';
import { createWebDesktopApi } from './webDesktopApi.ts';
import { faviconDataUrl, presenceTitle } from './webPresence.ts';

const ME = '00000000-0000-4000-8000-000000000001';
const BOB = '00000000-0000-4000-8000-000000000002';

function memoryStorage() {
  const values = new Map<string, string>();
  return {
    getItem: (k: string) => values.get(k) ?? null,
    setItem: (k: string, v: string) => void values.set(k, v),
  };
}

function missedCallPage(): ListCallsResponse {
  return {
    nextCursor: null,
    calls: [
      {
        id: '10000000-0000-4000-8000-000000000001',
        conversationId: '20000000-0000-4000-8000-000000000001',
        type: 'audio',
        status: 'missed',
        initiatedBy: BOB,
        startedAt: null,
        endedAt: '2025-01-10T14:30:45.000Z',
        durationSeconds: null,
        endReason: 'missed',
        createdAt: '2025-01-10T14:30:00.000Z',
        sfuRoomId: null,
        participants: [
          {
            userId: BOB,
            userName: 'Bob',
            userIdentifier: 'b',
            status: 'left',
            mediaState: DEFAULT_MEDIA_STATE,
            joinedAt: null,
            leftAt: null,
            connectionQuality: null,
          },
        ],
        direction: 'incoming',
        myStatus: 'missed',
      },
    ],
  };
}

function setup() {
  const listCalls = vi.fn(async () => missedCallPage());
  const notify = vi.fn();
  const api = createWebDesktopApi({
    storage: memoryStorage(),
    origin: 'https://calls.example.com',
    session: () => ({ api: { listCalls } as unknown as RestClient, selfId: ME }),
    notify,
  });
  return { api, listCalls, notify };
}

describe('web DesktopApi', () => {
  it('keeps settings, pins the server to the page origin, and refuses a bad patch naming the field', async () => {
    const { api } = setup();
    const updated = await api.updateSettings({ ringtone: 'soft', serverUrl: 'https://evil.example.com' });
    expect(updated.ok && updated.value).toMatchObject({
      ringtone: 'soft',
      serverUrl: 'https://calls.example.com',
      serverUrlLocked: true,
    });

    const refused = await api.updateSettings({ ringtone: 'loud' } as never);
    expect(refused).toEqual({
      ok: false,
      error: { code: 'bad_request', message: expect.stringContaining('ringtone') },
    });
    const after = await api.getSettings();
    expect(after.ok && after.value.ringtone).toBe('soft');
  });

  it('lists the server history, searches by name and remembers what was seen', async () => {
    const { api, listCalls } = setup();
    const first = await api.listHistory({ missedOnly: true });
    expect(listCalls).toHaveBeenCalledWith(expect.objectContaining({ filter: 'missed' }));
    expect(first.ok && first.value.entries.map((e) => [e.status, e.unseen])).toEqual([['missed', true]]);

    const search = await api.listHistory({ search: 'carol' });
    expect(search.ok && search.value.entries).toEqual([]);

    await api.markHistorySeen('all');
    const seen = await api.listHistory({});
    expect(seen.ok && seen.value.entries[0]?.unseen).toBe(false);
  });

  it('announces a missed call unless notifications are off or do-not-disturb is on', async () => {
    const { api, notify } = setup();
    const missed = {
      callId: '10000000-0000-4000-8000-000000000001',
      callerName: 'Bob',
      type: 'video' as const,
    };
    await api.notifyMissedCall(missed);
    expect(notify).toHaveBeenCalledWith('Missed call', 'Bob · video call', missed.callId);
    await api.updateSettings({ doNotDisturb: true });
    await api.notifyMissedCall(missed);
    expect(notify).toHaveBeenCalledTimes(1);
  });

  it('needs a signed-in session for the history', async () => {
    const api = createWebDesktopApi({
      storage: memoryStorage(),
      origin: 'https://x.example.com',
      session: () => null,
    });
    expect((await api.listHistory({})).ok).toBe(false);
  });
});

describe('web presence', () => {
  it('titles the tab by what needs attention', () => {
    expect(presenceTitle({ state: 'idle' }, 0)).toBe('CallBridge');
    expect(presenceTitle({ state: 'idle' }, 2)).toBe('(2) CallBridge');
    expect(presenceTitle({ state: 'ringing', callId: 'c', callerName: 'Bob', type: 'audio' }, 0)).toBe(
      'Incoming audio call from Bob · CallBridge',
    );
  });

  it('badges the favicon only when there is something to see', () => {
    expect(decodeURIComponent(faviconDataUrl({ state: 'idle' }, 0))).not.toContain('<circle');
    expect(decodeURIComponent(faviconDataUrl({ state: 'idle' }, 1))).toContain('#f31260');
  });
});
