import { describe, expect, it, vi } from 'vitest';
import type { ConversationDto } from '../../shared/protocol/index.ts';
import type { HistoryEntry, ScreenPickerRequest } from '../../shared/desktopApi.ts';
import { createAppStore } from './appStore.ts';
import { groupDevices } from './devices.slice.ts';
import { conversationTitle, findDirectConversation } from './directory.slice.ts';
import { unseenMissedCount } from './history.slice.ts';
import { MAX_TOASTS } from './ui.slice.ts';

const ME = '00000000-0000-4000-8000-000000000001';
const BOB = '00000000-0000-4000-8000-000000000002';
const CAROL = '00000000-0000-4000-8000-000000000003';
const user = (id: string, name: string) => ({ id, name, email: `${name.toLowerCase()}@example.test` });

function conversation(
  id: string,
  memberIds: string[],
  isGroup: boolean,
  title: string | null = null,
): ConversationDto {
  const names: Record<string, string> = { [ME]: 'Me', [BOB]: 'Bob', [CAROL]: 'Carol' };
  return {
    id,
    title,
    isGroup,
    members: memberIds.map((m) => user(m, names[m]!)),
    createdAt: '2025-01-10T14:30:00.000Z',
  };
}

describe('ui slice', () => {
  it('keeps the newest toasts only, with increasing ids, and dismisses by id', () => {
    const store = createAppStore();
    for (let i = 1; i <= MAX_TOASTS + 2; i++) store.getState().toastShown('info', `notice ${i}`);
    const toasts = store.getState().ui.toasts;
    expect(toasts.map((t) => t.text)).toEqual(['notice 3', 'notice 4', 'notice 5', 'notice 6']);
    store.getState().toastDismissed(toasts[0]!.id);
    expect(store.getState().ui.toasts.map((t) => t.text)).toEqual(['notice 4', 'notice 5', 'notice 6']);
  });

  it('refreshes the open picker with new sources but never reopens an answered request', () => {
    const store = createAppStore();
    const request: ScreenPickerRequest = { requestId: 'r1', sources: [], systemAudioAvailable: false };
    store.getState().screenPickerSourcesUpdated(request);
    expect(store.getState().ui.screenPicker).toBeNull();
    store.getState().screenPickerOpened(request);
    const refreshed = {
      ...request,
      sources: [
        { id: 's', name: 'Screen', kind: 'screen' as const, thumbnailDataUrl: 'data:', appIconDataUrl: null },
      ],
    };
    store.getState().screenPickerSourcesUpdated(refreshed);
    expect(store.getState().ui.screenPicker?.sources).toHaveLength(1);
    store.getState().screenPickerSourcesUpdated({ ...refreshed, requestId: 'r2' });
    expect(store.getState().ui.screenPicker?.requestId).toBe('r1');
  });
});

describe('call slice', () => {
  it('does not notify subscribers for an event that changes nothing', () => {
    const store = createAppStore();
    const listener = vi.fn();
    store.subscribe(listener);
    store.getState().dispatchCall({ type: 'active-speaker-changed', userId: BOB });
    expect(listener).not.toHaveBeenCalled();
  });
});

describe('session slice', () => {
  it('forgets the user and token on sign-out', () => {
    const store = createAppStore();
    store.getState().signedIn({ serverUrl: 'https://calls.example.com', token: 't', user: user(ME, 'Me') });
    store.getState().connectionChanged('online');
    store.getState().signedOut();
    expect(store.getState().session).toEqual({
      serverUrl: null,
      token: null,
      user: null,
      connection: 'offline',
    });
  });
});

describe('directory', () => {
  it('puts a saved conversation first without duplicating it', () => {
    const store = createAppStore();
    const a = conversation('30000000-0000-4000-8000-00000000000a', [ME, BOB], false);
    const b = conversation('30000000-0000-4000-8000-00000000000b', [ME, BOB, CAROL], true, 'Team');
    store.getState().directoryLoaded([user(BOB, 'Bob')], [a, b]);
    store.getState().conversationSaved(b);
    expect(store.getState().directory.conversations.map((c) => c.id)).toEqual([b.id, a.id]);
  });

  it('finds the 1:1 conversation with someone, never a group they are in', () => {
    const group = conversation('30000000-0000-4000-8000-00000000000b', [ME, BOB, CAROL], true);
    const direct = conversation('30000000-0000-4000-8000-00000000000a', [ME, BOB], false);
    expect(findDirectConversation([group], ME, BOB)).toBeUndefined();
    expect(findDirectConversation([group, direct], ME, BOB)).toBe(direct);
  });

  it('titles a conversation by its name, else by the other members', () => {
    expect(
      conversationTitle(
        conversation('30000000-0000-4000-8000-00000000000b', [ME, BOB, CAROL], true, 'Team'),
        ME,
      ),
    ).toBe('Team');
    expect(
      conversationTitle(conversation('30000000-0000-4000-8000-00000000000b', [ME, BOB, CAROL], true), ME),
    ).toBe('Bob, Carol');
  });
});

describe('devices', () => {
  it('groups devices by kind, names unlabelled ones and drops duplicates and blank ids', () => {
    const grouped = groupDevices([
      { kind: 'audioinput', deviceId: 'default', label: 'Default - USB mic' },
      { kind: 'audioinput', deviceId: 'default', label: 'Default - USB mic' },
      { kind: 'videoinput', deviceId: 'cam1', label: '' },
      { kind: 'videoinput', deviceId: 'cam2', label: '' },
      { kind: 'audiooutput', deviceId: '', label: '' },
    ]);
    expect(grouped).toEqual({
      microphones: [{ deviceId: 'default', label: 'Default - USB mic' }],
      cameras: [
        { deviceId: 'cam1', label: 'Camera 1' },
        { deviceId: 'cam2', label: 'Camera 2' },
      ],
      speakers: [],
    });
  });
});

describe('history', () => {
  const entry = (callId: string, patch: Partial<HistoryEntry>): HistoryEntry => ({
    callId,
    direction: 'incoming',
    type: 'video',
    participants: [],
    startedAt: '2025-01-10T14:30:00.000Z',
    endedAt: null,
    durationSeconds: null,
    status: 'missed',
    unseen: true,
    ...patch,
  });

  it('badges unseen incoming missed calls only, and clears the badge once seen', () => {
    const store = createAppStore();
    store
      .getState()
      .historyLoaded([
        entry('40000000-0000-4000-8000-000000000001', {}),
        entry('40000000-0000-4000-8000-000000000002', { direction: 'outgoing' }),
        entry('40000000-0000-4000-8000-000000000003', { status: 'answered', unseen: false }),
      ]);
    expect(unseenMissedCount(store.getState().history.entries)).toBe(1);
    store.getState().historySeen();
    expect(unseenMissedCount(store.getState().history.entries)).toBe(0);
  });
});
