/**
 * Picks the active speaker from the engine's audio levels (0..1 per user, self included). Without damping
 * the highlight would jump between tiles on every breath, so a speaker keeps the highlight through short
 * pauses and only loses it to someone clearly louder.
 */

/** Level above which someone counts as speaking (the fake/quiet-room floor is well below). */
export const SPEAKING_LEVEL = 0.05;
/** How long the highlight survives a pause between words. */
export const SPEAKER_HOLD_MS = 1500;
/** How much louder a challenger must be to take over from a speaker who is still talking. */
export const TAKEOVER_RATIO = 1.5;

export interface SpeakerState {
  speakerId: string | null;
  lastHeardAt: number;
}

export const noSpeaker: SpeakerState = { speakerId: null, lastHeardAt: 0 };

export function nextSpeaker(
  prev: SpeakerState,
  levels: Readonly<Record<string, number>>,
  now: number,
): SpeakerState {
  let loudestId: string | null = null;
  let loudest = SPEAKING_LEVEL;
  for (const [userId, level] of Object.entries(levels)) {
    if (level >= loudest) {
      loudestId = userId;
      loudest = level;
    }
  }
  const current = prev.speakerId;
  const currentLevel = current === null ? 0 : (levels[current] ?? 0);
  const currentSpeaking = currentLevel >= SPEAKING_LEVEL;

  if (current !== null && currentSpeaking) {
    const takesOver = loudestId !== null && loudestId !== current && loudest >= currentLevel * TAKEOVER_RATIO;
    return takesOver ? { speakerId: loudestId, lastHeardAt: now } : { speakerId: current, lastHeardAt: now };
  }
  if (current !== null && now - prev.lastHeardAt < SPEAKER_HOLD_MS) {
    // Someone else speaking during the current speaker's pause takes over; silence keeps the highlight.
    return loudestId !== null ? { speakerId: loudestId, lastHeardAt: now } : prev;
  }
  return loudestId !== null ? { speakerId: loudestId, lastHeardAt: now } : noSpeaker;
}
