import { CallEngineError } from './types.ts';

/**
 * Turns a getUserMedia / getDisplayMedia rejection into an error a user can act on. The browser's own
 * messages ("Permission denied", "Could not start video source") name neither the device nor the way out.
 */
export function toMediaError(err: unknown, requested: { audio: boolean; video: boolean }): CallEngineError {
  const name = err instanceof Error ? err.name : '';
  const devices = describeDevices(requested);
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return new CallEngineError(
        'media-denied',
        `Access to your ${devices} was denied. Allow it in the system or browser settings and retry` +
          (requested.video ? ', or join with audio only.' : '.'),
      );
    case 'NotFoundError':
    case 'OverconstrainedError':
      return new CallEngineError(
        'media-unavailable',
        `No usable ${devices} was found. Connect one or pick another device` +
          (requested.video ? ', or join with audio only.' : '.'),
      );
    case 'NotReadableError':
    case 'AbortError':
      return new CallEngineError(
        'media-unavailable',
        `Your ${devices} could not be started; another application may be using it. Close it and retry.`,
      );
    default:
      return new CallEngineError('media-unavailable', `Your ${devices} could not be started.`);
  }
}

function describeDevices(requested: { audio: boolean; video: boolean }): string {
  if (requested.audio && requested.video) return 'camera and microphone';
  return requested.video ? 'camera' : 'microphone';
}

/** getDisplayMedia rejects with NotAllowedError both when the user cancels the picker and when policy forbids it. */
export function toScreenShareError(err: unknown): CallEngineError {
  const name = err instanceof Error ? err.name : '';
  return new CallEngineError(
    'screen-share-failed',
    name === 'NotAllowedError'
      ? 'Screen sharing was cancelled or is not permitted.'
      : 'Screen sharing could not be started.',
  );
}
