import { CallEngineError } from './types.ts';

/** Why a getUserMedia / getDisplayMedia call failed, from the standard DOMException name it rejected with. */
export type CaptureFailure = 'denied' | 'missing' | 'busy' | 'other';

const CAPTURE_FAILURES: Readonly<Record<string, CaptureFailure>> = {
  NotAllowedError: 'denied',
  SecurityError: 'denied',
  NotFoundError: 'missing',
  OverconstrainedError: 'missing',
  NotReadableError: 'busy',
  AbortError: 'busy',
};

/** The one place DOMException names are read: anything unknown (or not an Error) is 'other'. */
export function captureFailureOf(err: unknown): CaptureFailure {
  const name = err instanceof Error ? err.name : '';
  return Object.hasOwn(CAPTURE_FAILURES, name) ? CAPTURE_FAILURES[name]! : 'other';
}

/** What the user can do about a failed capture: allow access, or fix the device. */
export function captureErrorKind(failure: CaptureFailure): 'media-denied' | 'media-unavailable' {
  return failure === 'denied' ? 'media-denied' : 'media-unavailable';
}

/**
 * Turns a getUserMedia / getDisplayMedia rejection into an error a user can act on. The browser's own
 * messages ("Permission denied", "Could not start video source") name neither the device nor the way out.
 */
export function toMediaError(err: unknown, requested: { audio: boolean; video: boolean }): CallEngineError {
  const failure = captureFailureOf(err);
  const devices = describeDevices(requested);
  const orAudioOnly = requested.video ? ', or join with audio only.' : '.';
  const message = {
    denied:
      `Access to your ${devices} was denied. Allow it in the system or browser settings and retry` +
      orAudioOnly,
    missing: `No usable ${devices} was found. Connect one or pick another device${orAudioOnly}`,
    busy: `Your ${devices} could not be started; another application may be using it. Close it and retry.`,
    other: `Your ${devices} could not be started.`,
  }[failure];
  return new CallEngineError(captureErrorKind(failure), message);
}

function describeDevices(requested: { audio: boolean; video: boolean }): string {
  if (requested.audio && requested.video) return 'camera and microphone';
  return requested.video ? 'camera' : 'microphone';
}

/**
 * getDisplayMedia rejects with NotAllowedError both when the user cancels the picker and when policy forbids
 * it (SecurityError: the page's permission policy), so a refusal cannot say which of the two it was.
 */
export function toScreenShareError(err: unknown): CallEngineError {
  return new CallEngineError(
    'screen-share-failed',
    captureFailureOf(err) === 'denied'
      ? 'Screen sharing was cancelled or is not permitted.'
      : 'Screen sharing could not be started.',
  );
}
