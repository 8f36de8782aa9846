import { describe, expect, it } from 'vitest';
import { isPermissionGranted, type PermissionQuery } from './permissions.ts';

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
    expect(isPermissionGranted(request('media', ['audio']))).toBe(true);
    expect(isPermissionGranted(request('media', ['audio', 'video']))).toBe(true);
    expect(isPermissionGranted({ ...fromApp, kind: 'check', permission: 'media' })).toBe(true);
    expect(isPermissionGranted(request('speaker-selection'))).toBe(true);
  });

  it('refuses desktop capture outside the picker (a media request for neither camera nor microphone)', () => {
    expect(isPermissionGranted(request('media', []))).toBe(false);
    expect(isPermissionGranted(request('display-capture'))).toBe(false);
    expect(isPermissionGranted({ ...fromApp, kind: 'check', permission: 'display-capture' })).toBe(false);
  });

  it('refuses camera and microphone to anything but the app’s main frame in its own window', () => {
    const media = request('media', ['audio', 'video']);
    expect(isPermissionGranted({ ...media, requestingUrl: 'https://evil.example/' })).toBe(false);
    expect(isPermissionGranted({ ...media, requestingUrl: 'app://other/' })).toBe(false);
    expect(isPermissionGranted({ ...media, requestingUrl: 'file:///tmp/x.html' })).toBe(false);
    expect(isPermissionGranted({ ...media, isMainFrame: false })).toBe(false);
    expect(isPermissionGranted({ ...media, fromAppWindow: false })).toBe(false);
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
    ]) {
      expect(isPermissionGranted(request(permission))).toBe(false);
    }
  });
});
