/**
 * A raised hand comes down by itself once its owner has been speaking for a while: they got the floor. Short
 * pauses between words do not reset the count; a longer silence (or a cough) does.
 */
import { SPEAKER_HOLD_MS, SPEAKING_LEVEL } from './activeSpeaker.ts';

/** How long someone speaks, pauses shorter than SPEAKER_HOLD_MS included, before their hand comes down. */
export const SPOKE_FOR_MS = 3000;

export interface TalkState {
  /** When the current stretch of speech began; null while silent. */
  since: number | null;
  lastHeardAt: number;
}

export const silent: TalkState = { since: null, lastHeardAt: 0 };

export function nextTalk(prev: TalkState, level: number, now: number): TalkState {
  if (level >= SPEAKING_LEVEL) {
    const continues = prev.since !== null && now - prev.lastHeardAt < SPEAKER_HOLD_MS;
    return { since: continues ? prev.since : now, lastHeardAt: now };
  }
  return prev.since !== null && now - prev.lastHeardAt >= SPEAKER_HOLD_MS ? silent : prev;
}

export function spokeLongEnough(state: TalkState): boolean {
  return state.since !== null && state.lastHeardAt - state.since >= SPOKE_FOR_MS;
}
