import { afterEach, describe, expect, it, vi } from 'vitest';
import { CaptureGate } from './captureGate.ts';
import { displayMediaRefusal } from './displayMedia.ts';
import { permissionDecision, type PermissionQuery } from './permissions.ts';

const fromApp = {
  requestingUrl: 'app://callbridge/index.html',
  isMainFrame: true,
  fromAppWindow: true,
} as const;

const request = (permission: string, mediaTypes: Array<'audio' | 'video'> = []): PermissionQuery => ({
  ...fromApp,
  kind: 'request',
  permission,
  mediaTypes,
});

describe('permission policy', () => {
  it('grants camera and microphone to the app’s own page', () => {
    expect(permissionDecision(request('media', ['audio']))).toBe('grant');
    expect(permissionDecision(request('media', ['audio', 'video']))).toBe('grant');
    expect(permissionDecision({ ...fromApp, kind: 'check', permission: 'media' })).toBe('grant');
    expect(permissionDecision(request('speaker-selection'))).toBe('grant');
  });

  it('answers every screen-capture request (Electron 45 and the older shape) as a gated capture', () => {
    // getDisplayMedia and the legacy chromeMediaSource getUserMedia look the same here.
    expect(permissionDecision(request('display-capture', ['video']))).toBe('capture');
    expect(permissionDecision(request('display-capture', ['video', 'audio']))).toBe('capture');
    expect(permissionDecision(request('media', []))).toBe('capture');
    // A check never grants capture.
    expect(permissionDecision({ ...fromApp, kind: 'check', permission: 'display-capture' })).toBe('deny');
  });

  it('denies capture and devices to anything but the app’s main frame in its own window', () => {
    for (const query of [request('media', ['audio', 'video']), request('display-capture', ['video'])]) {
      expect(permissionDecision({ ...query, requestingUrl: 'https://evil.example/' })).toBe('deny');
      expect(permissionDecision({ ...query, requestingUrl: 'app://other/' })).toBe('deny');
      expect(permissionDecision({ ...query, requestingUrl: 'file:///tmp/x.html' })).toBe('deny');
      expect(permissionDecision({ ...query, isMainFrame: false })).toBe('deny');
      expect(permissionDecision({ ...query, fromAppWindow: false })).toBe('deny');
    }
  });

  it('denies everything else, even to the app', () => {
    for (const permission of [
      'notifications',
      'geolocation',
      'clipboard-read',
      'usb',
      'hid',
      'midiSysex',
      'openExternal',
      'window-management',
    ]) {
      expect(permissionDecision(request(permission))).toBe('deny');
    }
  });
});

describe('capture gate: a capture permission must be followed by the display-media handler', () => {
  afterEach(() => vi.useRealTimers());

  function gate() {
    vi.useFakeTimers();
    const unexpected: number[] = [];
    return {
      gate: new CaptureGate({ onUnexpectedCapture: (id) => unexpected.push(id), timeoutMs: 1000 }),
      unexpected,
    };
  }

  it('lets getDisplayMedia through: the grant is followed by the display-media request', () => {
    const { gate: g, unexpected } = gate();
    g.permissionGranted(7);
    g.displayMediaRequested(7);
    vi.advanceTimersByTime(5000);
    expect(unexpected).toEqual([]);
  });

  it('catches the legacy path: a grant the display-media handler never follows', () => {
    const { gate: g, unexpected } = gate();
    g.permissionGranted(7);
    g.permissionGranted(7);
    g.displayMediaRequested(7);
    vi.advanceTimersByTime(999);
    expect(unexpected).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(unexpected).toEqual([7]);
  });

  it('does not let one window’s display-media request cover another’s grant', () => {
    const { gate: g, unexpected } = gate();
    g.permissionGranted(7);
    g.displayMediaRequested(8);
    vi.advanceTimersByTime(1000);
    expect(unexpected).toEqual([7]);
  });

  it('forgets what a window that went away was granted', () => {
    const { gate: g, unexpected } = gate();
    g.permissionGranted(7);
    g.rendererGone(7);
    vi.advanceTimersByTime(1000);
    expect(unexpected).toEqual([]);
  });
});

describe('display-media requests', () => {
  const ask = { fromAppMainFrame: true, userGesture: true, videoRequested: true };

  it('reach the picker only from a click in the app’s own main frame', () => {
    expect(displayMediaRefusal(ask)).toBeNull();
    expect(displayMediaRefusal({ ...ask, userGesture: false })).toBe('no user gesture');
    expect(displayMediaRefusal({ ...ask, fromAppMainFrame: false })).toBe('not the app’s main frame');
    expect(displayMediaRefusal({ ...ask, videoRequested: false })).toBe('no video requested');
  });
});
