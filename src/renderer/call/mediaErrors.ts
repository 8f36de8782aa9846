/**
 * The words the user reads when media or connectivity fails (spec: "Error Handling"). Each message says
 * what happened and what to do next; the buttons next to it (retry, audio only) are the way forward.
 */
import type { MediaProblem } from '../store/call.reducer.ts';
import { CallEngineError, captureErrorKind, captureFailureOf } from '../webrtc/index.ts';

const FALLBACK_TEXT: Record<MediaProblem['kind'], string> = {
  'media-denied':
    'CallBridge is not allowed to use your camera or microphone. Allow access in the site or system ' +
    'privacy settings, then try again, or join with audio only.',
  'media-unavailable':
    'No working camera or microphone was found. It may be unplugged or in use by another app.',
};

/**
 * A failed capture as a problem to show. The engine's CallEngineError already names the device and the way
 * out; anything else (a DOMException from elsewhere) is classified by its standard name.
 */
export function mediaProblemOf(error: unknown): MediaProblem {
  if (
    error instanceof CallEngineError &&
    (error.kind === 'media-denied' || error.kind === 'media-unavailable')
  ) {
    return { kind: error.kind, message: error.message };
  }
  const kind = captureErrorKind(captureFailureOf(error));
  return { kind, message: FALLBACK_TEXT[kind] };
}

export function peerProblemText(kind: 'ice-failed' | 'connection-lost', name: string): string {
  return kind === 'ice-failed'
    ? `Could not connect to ${name}. A firewall may be blocking the call; this network needs a TURN relay.`
    : `The connection to ${name} was lost.`;
}

export const RELAY_PROBLEM_TEXT = {
  'turn-expired': 'The relay credentials expired and were renewed automatically.',
  'turn-auth-failed':
    'The relay (TURN) server refused the credentials. Calls from networks that need a relay will fail ' +
    'until an administrator fixes the TURN secret on the server.',
} as const;

/** From this many expiries in one call, renewing is clearly not working and the user is told. */
export const PERSISTENT_RELAY_FAILURES = 3;
