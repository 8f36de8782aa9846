import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventChannel, EventPayload } from '../../shared/ipc.ts';
import type { Logger } from '../log.ts';
import {
  pickerModeFor,
  screenRecordingPermissionFrom,
  ScreenPickerService,
  type CapturerSource,
  type GrantedStreams,
  type PickerRenderer,
  type ScreenPickerDeps,
} from './screenPicker.service.ts';

const silentLog: Logger = { info: () => {}, warn: () => {}, error: () => {} };

function image(dataUrl: string | null) {
  return { isEmpty: () => dataUrl === null, toDataURL: () => dataUrl ?? 'data:image/png;base64,' };
}

function source(
  id: string,
  name: string,
  thumbnail: string | null = `data:image/png;base64,${name}`,
): CapturerSource {
  return {
    id,
    name,
    thumbnail: image(thumbnail),
    appIcon: id.startsWith('window:') ? image('data:icon') : null,
  };
}

class FakeRenderer implements PickerRenderer {
  readonly sent: Array<{ channel: EventChannel; payload: unknown }> = [];
  readonly id: number;
  constructor(id: number) {
    this.id = id;
  }
  send<C extends EventChannel>(channel: C, payload: EventPayload<C>): void {
    this.sent.push({ channel, payload });
  }
  last<C extends EventChannel>(channel: C): EventPayload<C> {
    const hit = this.sent.filter((e) => e.channel === channel).at(-1);
    if (!hit) throw new Error(`nothing sent on ${channel}`);
    return hit.payload as EventPayload<C>;
  }
}

describe('ScreenPickerService', () => {
  let available: CapturerSource[];
  let renderer: FakeRenderer;
  let grants: Array<GrantedStreams | null>;
  let captures: Array<[number, string]>;
  let nextId: number;

  const grant = (streams: GrantedStreams | null) => grants.push(streams);

  function picker(overrides: Partial<ScreenPickerDeps> = {}): ScreenPickerService {
    return new ScreenPickerService({
      getSources: async () => available,
      ownWindowSourceIds: () => new Set(['window:42:0']),
      screenRecordingPermission: () => null,
      mode: 'app-picker',
      systemAudioSupported: false,
      onCaptureGranted: (rendererId, name) => captures.push([rendererId, name]),
      log: silentLog,
      newRequestId: () => `req-${nextId++}`,
      ...overrides,
    });
  }

  beforeEach(() => {
    vi.useFakeTimers();
    available = [source('screen:0:0', 'Entire screen'), source('window:7:0', 'Editor')];
    renderer = new FakeRenderer(1);
    grants = [];
    captures = [];
    nextId = 1;
  });
  afterEach(() => vi.useRealTimers());

  it('parks the request, shows the sources and grants the chosen window', async () => {
    const service = picker();
    await service.handleRequest({ renderer, audioRequested: false }, grant);

    const request = renderer.last('desktop:screen-picker:request');
    expect(request.sources.map((s) => [s.id, s.kind])).toEqual([
      ['screen:0:0', 'screen'],
      ['window:7:0', 'window'],
    ]);
    expect(request.sources[1]?.appIconDataUrl).toBe('data:icon');
    expect(grants).toEqual([]);

    const answer = service.choose(
      { requestId: request.requestId, sourceId: 'window:7:0', withSystemAudio: false },
      1,
    );
    expect(answer).toEqual({ ok: true, value: undefined });
    expect(grants).toEqual([{ video: { id: 'window:7:0', name: 'Editor' } }]);
    expect(captures).toEqual([[1, 'Editor']]);
    expect(service.pendingCount).toBe(0);
  });

  it('cancels cleanly when the user chooses nothing', async () => {
    const service = picker();
    await service.handleRequest({ renderer, audioRequested: false }, grant);
    const { requestId } = renderer.last('desktop:screen-picker:request');

    expect(service.choose({ requestId, sourceId: null, withSystemAudio: false }, 1).ok).toBe(true);
    expect(grants).toEqual([null]);
    expect(captures).toEqual([]);
    expect(service.choose({ requestId, sourceId: 'screen:0:0', withSystemAudio: false }, 1)).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(grants).toEqual([null]);
  });

  it('refuses a source it did not offer and keeps the request open', async () => {
    const service = picker();
    await service.handleRequest({ renderer, audioRequested: false }, grant);
    const { requestId } = renderer.last('desktop:screen-picker:request');

    const own = service.choose({ requestId, sourceId: 'window:42:0', withSystemAudio: false }, 1);
    expect(own).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(grants).toEqual([]);
    expect(service.pendingCount).toBe(1);
  });

  it('refuses a choice from another window than the one that asked', async () => {
    const service = picker();
    await service.handleRequest({ renderer, audioRequested: false }, grant);
    const { requestId } = renderer.last('desktop:screen-picker:request');

    expect(service.choose({ requestId, sourceId: 'screen:0:0', withSystemAudio: false }, 99).ok).toBe(false);
    expect(grants).toEqual([]);
  });

  it('drops blank thumbnails and excludes the app’s own windows', async () => {
    available = [
      source('screen:0:0', 'Screen'),
      source('window:8:0', 'Minimised', null),
      source('window:42:0', 'CallBridge'),
      source('window:9:0', 'Browser'),
    ];
    await picker().handleRequest({ renderer, audioRequested: false }, grant);
    expect(renderer.last('desktop:screen-picker:request').sources.map((s) => s.name)).toEqual([
      'Screen',
      'Browser',
    ]);
  });

  it('resolves as cancelled when the window that asked closes', async () => {
    const service = picker();
    await service.handleRequest({ renderer, audioRequested: false }, grant);
    service.rendererGone(1);
    expect(grants).toEqual([null]);
    expect(service.pendingCount).toBe(0);
  });

  it('times out, cancels and tells the picker to close', async () => {
    const service = picker({ timeoutMs: 60_000 });
    await service.handleRequest({ renderer, audioRequested: false }, grant);
    const { requestId } = renderer.last('desktop:screen-picker:request');

    await vi.advanceTimersByTimeAsync(59_999);
    expect(grants).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(grants).toEqual([null]);
    expect(renderer.last('desktop:screen-picker:closed')).toEqual({ requestId });
  });

  it('refreshes the list while open, sending only when it changed', async () => {
    const service = picker({ refreshIntervalMs: 2000 });
    await service.handleRequest({ renderer, audioRequested: false }, grant);
    const { requestId } = renderer.last('desktop:screen-picker:request');

    await vi.advanceTimersByTimeAsync(2000);
    expect(renderer.sent.filter((e) => e.channel === 'desktop:screen-picker:sources')).toHaveLength(0);

    available = [...available, source('window:11:0', 'Slides')];
    await vi.advanceTimersByTimeAsync(2000);
    const refreshed = renderer.last('desktop:screen-picker:sources');
    expect(refreshed.requestId).toBe(requestId);
    expect(refreshed.sources.map((s) => s.name)).toContain('Slides');
    // The new window can now be chosen.
    service.choose({ requestId, sourceId: 'window:11:0', withSystemAudio: false }, 1);
    expect(grants).toEqual([{ video: { id: 'window:11:0', name: 'Slides' } }]);

    // No refresh after the request is over.
    const sentBefore = renderer.sent.length;
    available = [source('screen:0:0', 'Only screen')];
    await vi.advanceTimersByTimeAsync(10_000);
    expect(renderer.sent.length).toBe(sentBefore);
  });

  it('adds system audio only where the OS supports it and the page asked for audio', async () => {
    const windows = picker({ systemAudioSupported: true });
    await windows.handleRequest({ renderer, audioRequested: true }, grant);
    const withAudio = renderer.last('desktop:screen-picker:request');
    expect(withAudio.systemAudioAvailable).toBe(true);
    windows.choose({ requestId: withAudio.requestId, sourceId: 'screen:0:0', withSystemAudio: true }, 1);

    const linux = picker({ systemAudioSupported: false });
    await linux.handleRequest({ renderer, audioRequested: true }, grant);
    const noAudio = renderer.last('desktop:screen-picker:request');
    expect(noAudio.systemAudioAvailable).toBe(false);
    linux.choose({ requestId: noAudio.requestId, sourceId: 'screen:0:0', withSystemAudio: true }, 1);

    expect(grants).toEqual([
      { video: { id: 'screen:0:0', name: 'Entire screen' }, audio: 'loopback' },
      { video: { id: 'screen:0:0', name: 'Entire screen' } },
    ]);
  });

  it('supersedes a request still open in the same window', async () => {
    const service = picker();
    await service.handleRequest({ renderer, audioRequested: false }, grant);
    const first = renderer.last('desktop:screen-picker:request');
    await service.handleRequest({ renderer, audioRequested: false }, grant);

    expect(grants).toEqual([null]);
    expect(renderer.last('desktop:screen-picker:closed')).toEqual({ requestId: first.requestId });
    expect(service.pendingCount).toBe(1);
  });

  it('on macOS without screen-recording permission, says so instead of listing', async () => {
    const getSources = vi.fn(async () => available);
    await picker({ getSources, screenRecordingPermission: () => 'denied' }).handleRequest(
      { renderer, audioRequested: false },
      grant,
    );
    const request = renderer.last('desktop:screen-picker:request');
    expect(request).toMatchObject({ sources: [], screenRecordingPermission: 'denied' });
    expect(getSources).not.toHaveBeenCalled();
  });

  it('under Wayland lets the portal pick and never shows the app picker', async () => {
    const service = picker({
      mode: 'system-picker',
      getSources: async () => [source('screen:1:0', 'Portal pick')],
    });
    await service.handleRequest({ renderer, audioRequested: false }, grant);
    const cancelled = picker({ mode: 'system-picker', getSources: async () => [] });
    await cancelled.handleRequest({ renderer, audioRequested: false }, grant);

    expect(grants).toEqual([{ video: { id: 'screen:1:0', name: 'Portal pick' } }, null]);
    expect(captures).toEqual([[1, 'Portal pick']]);
    expect(renderer.sent).toEqual([]);
  });

  it('starts no sharing indicator when Electron could not hand the capture over (frame gone)', async () => {
    const service = picker();
    await service.handleRequest({ renderer, audioRequested: false }, () => {
      throw new Error('Render frame was disposed before WebFrameMain could be accessed');
    });
    const { requestId } = renderer.last('desktop:screen-picker:request');
    service.choose({ requestId, sourceId: 'screen:0:0', withSystemAudio: false }, 1);
    expect(captures).toEqual([]);
  });
});

describe('picker platform rules', () => {
  it('uses the portal picker only in a Linux Wayland session', () => {
    expect(pickerModeFor('linux', { XDG_SESSION_TYPE: 'wayland' }, '')).toBe('system-picker');
    expect(pickerModeFor('linux', { XDG_SESSION_TYPE: 'x11' }, 'wayland')).toBe('system-picker');
    expect(pickerModeFor('linux', { XDG_SESSION_TYPE: 'x11' }, '')).toBe('app-picker');
    expect(pickerModeFor('win32', { XDG_SESSION_TYPE: 'wayland' }, '')).toBe('app-picker');
  });

  it('reports macOS screen-recording permission, and nothing elsewhere', () => {
    expect(screenRecordingPermissionFrom('darwin', () => 'denied')).toBe('denied');
    expect(screenRecordingPermissionFrom('darwin', () => 'restricted')).toBe('denied');
    expect(screenRecordingPermissionFrom('darwin', () => 'not-determined')).toBe('granted');
    expect(screenRecordingPermissionFrom('win32', () => 'denied')).toBeNull();
  });
});
