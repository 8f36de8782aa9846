import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_MEDIA_STATE } from '../../shared/protocol/index.ts';
import type { ListCallsResponse } from '../../shared/protocol/index.ts';
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
    removeItem: (k: string) => void values.delete(k),
    values,
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

function setup(storage = memoryStorage()) {
  const listCalls = vi.fn(async () => missedCallPage());
  const notify = vi.fn();
  const api = createWebDesktopApi({
    storage,
    origin: 'https://calls.example.com',
    session: () => ({ api: { listCalls } as unknown as RestClient, selfId: ME }),
    notify,
  });
  return { api, listCalls, notify, storage };
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

  it('keeps the session in localStorage (what a browser offers) and forgets it on sign-out', async () => {
    const { api, storage } = setup();
    const session = { serverUrl: 'https://calls.example.com', token: 'jwt' };
    expect(await api.saveSession(session)).toEqual({ ok: true, value: { persisted: true } });
    expect(await setup(storage).api.loadSession()).toEqual({ ok: true, value: session });
    await api.clearSession();
    expect(await api.loadSession()).toEqual({ ok: true, value: null });
  });

  it('keeps preferences even on a plain-http deployment, whose origin is no valid server URL for the desktop', async () => {
    const storage = memoryStorage();
    const api = createWebDesktopApi({ storage, origin: 'http://10.0.0.5:3000', session: () => null });
    expect((await api.updateSettings({ ringtone: 'soft' })).ok).toBe(true);
    const again = createWebDesktopApi({ storage, origin: 'http://10.0.0.5:3000', session: () => null });
    expect(await again.getSettings()).toMatchObject({
      ok: true,
      value: { ringtone: 'soft', serverUrl: 'http://10.0.0.5:3000' },
    });
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
