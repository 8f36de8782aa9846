import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type Database from 'better-sqlite3';
import type { HistoryEntry, Result } from '../../shared/desktopApi.ts';
import type { InvokeChannel, InvokeRequest } from '../../shared/ipc.ts';
import { CallHistoryRepository } from '../db/callHistory.repo.ts';
import { openHistoryDatabase } from '../db/historyDb.ts';
import type { Logger } from '../log.ts';
import { okVoid } from '../result.ts';
import { CallAlertsService } from '../services/callAlerts.service.ts';
import { RecordingSaveService } from '../services/recordingSave.service.ts';
import { SessionStore } from '../services/sessionStore.service.ts';
import { SettingsService } from '../services/settings.service.ts';
import { createDesktopHandlers } from './desktopHandlers.ts';
import { createIpcRouter, type IpcRouter } from './registerIpc.ts';

const log: Logger = { info: () => {}, warn: () => {}, error: () => {} };
const appFrame = { sender: { id: 1 }, senderFrame: { url: 'app://callbridge/index.html', parent: null } };

const missedCall = (n: number): HistoryEntry => ({
  callId: `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`,
  direction: 'incoming',
  type: 'audio',
  participants: [{ userId: '00000000-0000-4000-8000-00000000000a', name: 'Alice' }],
  startedAt: new Date(Date.UTC(2025, 0, 1, 0, n)).toISOString(),
  endedAt: null,
  durationSeconds: null,
  status: 'missed',
  unseen: true,
});

describe('desktop IPC handlers (router + services + SQLite)', () => {
  let db: Database.Database;
  let router: IpcRouter;
  let badge: number;
  let onIdle: ReturnType<typeof vi.fn<() => void>>;
  let sharingEnded: number[];

  const invoke = <C extends InvokeChannel>(
    channel: C,
    payload?: InvokeRequest<C>,
  ): Promise<Result<unknown>> => router(channel, appFrame, payload === undefined ? [] : [payload]);

  beforeEach(() => {
    db = openHistoryDatabase(':memory:');
    const history = new CallHistoryRepository(db, log);
    const store = new Map<string, unknown>();
    const settings = new SettingsService({
      store: { get: (k) => store.get(k), set: (k, v) => void store.set(k, v) },
      policy: { status: 'applied', location: 'test', policy: { serverUrl: 'https://calls.corp.example' } },
      defaultServerUrl: null,
      log,
    });
    badge = 0;
    const alerts = new CallAlertsService({
      tray: { render: () => {} },
      ringingWindow: { show: () => {}, close: () => {} },
      notifications: { missedCall: () => {} },
      attention: { setMissedCount: (n) => (badge = n), request: () => {} },
      shell: { dispatch: () => {}, showMainWindow: () => {}, stopSharing: () => {}, quit: () => {} },
      missedCalls: {
        unseen: (limit) => history.unseenMissed(limit),
        unseenCount: () => history.unseenMissedCount(),
        has: (id) => history.has(id),
      },
      settings,
    });
    onIdle = vi.fn<() => void>();
    sharingEnded = [];
    const vault = new Map<string, Buffer>();
    const sessions = new SessionStore({
      safeStorage: {
        isAsyncEncryptionAvailable: async () => true,
        encryptStringAsync: async (text) => Buffer.from(text).reverse(),
        decryptStringAsync: async (data) => ({
          result: Buffer.from(data).reverse().toString(),
          shouldReEncrypt: false,
        }),
        selectedStorageBackend: () => null,
      },
      file: {
        read: async () => vault.get('session') ?? null,
        write: async (data) => void vault.set('session', data),
        remove: async () => void vault.delete('session'),
      },
      log,
    });
    const handlers = createDesktopHandlers({
      picker: { choose: () => okVoid },
      sharing: { captureEnded: (id) => sharingEnded.push(id) },
      history,
      alerts,
      settings,
      sessions,
      recordings: new RecordingSaveService({
        dialog: { chooseRecordingPath: async () => null },
        session: () => sessions.load(settings.get().serverUrl),
        fetch,
        log,
      }),
      openScreenRecordingSettings: async () => okVoid,
      onIdle,
    });
    router = createIpcRouter(handlers, new Set([1]), log);
  });
  afterEach(() => db.close());

  it('records missed calls onto the badge and clears it when history is opened', async () => {
    await invoke('desktop:history:record', missedCall(1));
    await invoke('desktop:missed-call:notify', {
      callId: missedCall(2).callId,
      callerName: 'Alice',
      type: 'audio',
    });
    expect(badge).toBe(2);
    await invoke('desktop:history:record', missedCall(2));
    expect(badge).toBe(2);

    expect(await invoke('desktop:history:mark-seen', 'all')).toEqual({ ok: true, value: undefined });
    expect(badge).toBe(0);
  });

  it('pages through history with the cursor it hands out, and refuses a forged one', async () => {
    await invoke('desktop:history:merge', [1, 2, 3].map(missedCall));
    const first = (await invoke('desktop:history:list', { limit: 2 })) as Result<{ nextCursor: string }>;
    expect(first.ok && first.value.nextCursor).toBeTruthy();
    const second = await invoke('desktop:history:list', {
      limit: 2,
      cursor: first.ok ? first.value.nextCursor : null,
    });
    expect(second).toMatchObject({
      ok: true,
      value: { entries: [{ callId: missedCall(1).callId }], nextCursor: null },
    });

    expect(await invoke('desktop:history:list', { cursor: 'eyJoYWNrIjp0cnVlfQ' })).toEqual({
      ok: false,
      error: { code: 'bad_request', message: 'cursor: not a cursor from a previous page' },
    });
  });

  it('keeps the server’s recording of a call in the local history and lists it back', async () => {
    const recordingUrl = `/api/calls/${missedCall(1).callId}/recording`;
    const recorded = {
      ...missedCall(1),
      recording: { state: 'ready' as const, url: recordingUrl, message: null },
    };
    expect(await invoke('desktop:history:merge', [recorded])).toEqual({ ok: true, value: { added: 1 } });
    expect(await invoke('desktop:history:list', {})).toMatchObject({
      ok: true,
      value: { entries: [{ callId: recorded.callId, recording: recorded.recording }] },
    });
    // Opening it needs the session: signed out, saving asks to sign in rather than downloading anything.
    expect(await invoke('desktop:recording:save', recordingUrl)).toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    });
    expect(
      await invoke('desktop:history:merge', [
        { ...recorded, recording: { state: 'ready', url: 'https://evil.example/r.webm', message: null } },
      ]),
    ).toMatchObject({ ok: false, error: { code: 'bad_request' } });
  });

  it('answers settings, with the policy’s lock', async () => {
    expect(await invoke('desktop:settings:get')).toMatchObject({
      ok: true,
      value: { serverUrl: 'https://calls.corp.example', serverUrlLocked: true },
    });
    expect(await invoke('desktop:settings:update', { serverUrl: 'https://elsewhere.example' })).toMatchObject(
      {
        ok: false,
        error: { code: 'locked' },
      },
    );
  });

  it('keeps a session for the configured server only, and hands it back', async () => {
    const session = { serverUrl: 'https://calls.corp.example/', token: 'jwt.for.corp' };
    expect(await invoke('desktop:session:get')).toEqual({ ok: true, value: null });
    expect(await invoke('desktop:session:save', session)).toEqual({ ok: true, value: { persisted: true } });
    expect(await invoke('desktop:session:get')).toEqual({
      ok: true,
      value: { serverUrl: 'https://calls.corp.example', token: 'jwt.for.corp' },
    });
    expect(await invoke('desktop:session:save', { serverUrl: 'https://evil.example', token: 'x' })).toEqual({
      ok: false,
      error: { code: 'bad_request', message: 'serverUrl: not the configured server' },
    });
    expect(await invoke('desktop:session:save', { ...session, token: '' })).toMatchObject({
      ok: false,
      error: { code: 'bad_request' },
    });
    expect(await invoke('desktop:session:clear')).toEqual({ ok: true, value: undefined });
    expect(await invoke('desktop:session:get')).toEqual({ ok: true, value: null });
  });

  it('tells the sharing indicator which window’s capture ended', async () => {
    expect(await invoke('desktop:screen-share:ended')).toEqual({ ok: true, value: undefined });
    expect(sharingEnded).toEqual([1]);
  });

  it('runs deferred work when the call state returns to idle', async () => {
    await invoke('desktop:presence:set', { state: 'in-call', callId: missedCall(1).callId, title: 'Alice' });
    expect(onIdle).not.toHaveBeenCalled();
    await invoke('desktop:presence:set', { state: 'idle' });
    expect(onIdle).toHaveBeenCalledTimes(1);
  });
});
