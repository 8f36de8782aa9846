import { describe, expect, test } from 'vitest';
import { toMediaError, toScreenShareError } from './mediaErrors.ts';

const domError = (name: string) => new DOMException('browser wording', name);
const both = { audio: true, video: true };
const audioOnly = { audio: true, video: false };

describe('toMediaError', () => {
  test('a refused permission is media-denied, offering audio only when video was asked for', () => {
    const error = toMediaError(domError('NotAllowedError'), both);
    expect(error.kind).toBe('media-denied');
    expect(error.message).toMatch(/camera and microphone was denied.*audio only/);
    expect(toMediaError(domError('NotAllowedError'), audioOnly).message).not.toMatch(/audio only/);
  });

  test('a missing device is media-unavailable and names it', () => {
    const error = toMediaError(domError('NotFoundError'), { audio: false, video: true });
    expect(error.kind).toBe('media-unavailable');
    expect(error.message).toMatch(/No usable camera/);
  });

  test('a device held by another application is media-unavailable and says so', () => {
    const error = toMediaError(domError('NotReadableError'), audioOnly);
    expect(error.kind).toBe('media-unavailable');
    expect(error.message).toMatch(/microphone could not be started; another application/);
  });

  test('never passes the browser’s own wording through', () => {
    for (const name of ['NotAllowedError', 'NotFoundError', 'NotReadableError', 'TypeError']) {
      expect(toMediaError(domError(name), both).message).not.toContain('browser wording');
    }
  });
});

test('a cancelled screen picker is screen-share-failed', () => {
  const error = toScreenShareError(domError('NotAllowedError'));
  expect(error.kind).toBe('screen-share-failed');
  expect(error.message).toMatch(/cancelled/);
});
