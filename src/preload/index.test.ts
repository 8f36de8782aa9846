import { EventEmitter } from 'node:events';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { DesktopApi } from '../shared/desktopApi.ts';
import { eventChannels, isInvokeChannel } from '../shared/ipc.ts';

const bridge = vi.hoisted(() => ({
  exposed: new Map<string, unknown>(),
  invoked: [] as Array<{ channel: string; args: unknown[] }>,
  failNextInvoke: false,
}));

const renderer = new EventEmitter();
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => bridge.exposed.set(key, api) },
  ipcRenderer: {
    invoke: async (channel: string, ...args: unknown[]) => {
      bridge.invoked.push({ channel, args });
      if (bridge.failNextInvoke) {
        bridge.failNextInvoke = false;
        throw new Error("Error invoking remote method: No handler registered for 'x'");
      }
      return { ok: true, value: 'answer' };
    },
    on: (channel: string, listener: (...args: unknown[]) => void) => renderer.on(channel, listener),
    removeListener: (channel: string, listener: (...args: unknown[]) => void) =>
      renderer.removeListener(channel, listener),
  },
}));

describe('preload', () => {
  let api: DesktopApi;
  beforeAll(async () => {
    await import('./index.ts');
    api = bridge.exposed.get('desktop') as DesktopApi;
  });

  it('exposes only window.desktop', () => {
    expect([...bridge.exposed.keys()]).toEqual(['desktop']);
    expect(api.platform).toBe('electron');
    expect(Object.keys(api)).not.toContain('invoke');
    expect(Object.keys(api)).not.toContain('send');
  });

  it('maps every method to a channel of the contract, passing one payload', async () => {
    const calls: Array<[keyof DesktopApi, unknown]> = [
      ['listHistory', { search: 'ali' }],
      ['recordCall', { callId: 'x' }],
      ['mergeHistory', []],
      ['markHistorySeen', 'all'],
      ['deleteHistoryEntry', 'id'],
      ['updateSettings', { doNotDisturb: true }],
      ['setCallPresence', { state: 'idle' }],
      ['notifyMissedCall', { callId: 'x' }],
      ['chooseScreenSource', { requestId: 'r', sourceId: null }],
      ['saveSession', { serverUrl: 'https://calls.example.com', token: 't' }],
      ['saveRecording', '/api/calls/00000000-0000-4000-8000-000000000001/recording'],
    ];
    for (const [method, payload] of calls) {
      bridge.invoked.length = 0;
      expect(await (api[method] as (p: unknown) => Promise<unknown>)(payload)).toEqual({
        ok: true,
        value: 'answer',
      });
      expect(bridge.invoked).toHaveLength(1);
      expect(isInvokeChannel(bridge.invoked[0]!.channel)).toBe(true);
      expect(bridge.invoked[0]!.args).toEqual([payload]);
    }
    for (const method of [
      'getSettings',
      'clearHistory',
      'openScreenRecordingSettings',
      'loadSession',
      'clearSession',
      'reportScreenShareEnded',
    ] as const) {
      bridge.invoked.length = 0;
      await api[method]!();
      expect(isInvokeChannel(bridge.invoked[0]!.channel)).toBe(true);
      expect(bridge.invoked[0]!.args).toEqual([]);
    }
  });

  it('answers a Result, not an exception, when main does not respond', async () => {
    bridge.failNextInvoke = true;
    expect(await api.getSettings()).toEqual({
      ok: false,
      error: { code: 'unavailable', message: 'The desktop app is not responding.' },
    });
  });

  it('hands listeners the payload only, never the IPC event, and unsubscribes', () => {
    const received: unknown[][] = [];
    const unsubscribe = api.onShellAction((...args: unknown[]) => received.push(args));
    expect(Object.keys(eventChannels)).toContain('desktop:shell-action');
    renderer.emit('desktop:shell-action', { sender: 'ipc-event' }, { type: 'toggle-mute' });
    unsubscribe();
    renderer.emit('desktop:shell-action', { sender: 'ipc-event' }, { type: 'toggle-mute' });
    expect(received).toEqual([[{ type: 'toggle-mute' }]]);

    const stops: unknown[][] = [];
    const stopListening = api.onScreenShareStopRequested!((...args: unknown[]) => stops.push(args));
    renderer.emit('desktop:screen-share:stop', { sender: 'ipc-event' }, {});
    stopListening();
    renderer.emit('desktop:screen-share:stop', { sender: 'ipc-event' }, {});
    expect(stops).toEqual([[]]);
  });
});
