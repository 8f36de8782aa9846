import { describe, expect, it } from 'vitest';
import { nextSpeaker, noSpeaker, SPEAKER_HOLD_MS } from './activeSpeaker.ts';
import type { SpeakerState } from './activeSpeaker.ts';

function feed(samples: [number, Record<string, number>][]): (string | null)[] {
  let state: SpeakerState = noSpeaker;
  return samples.map(([now, levels]) => (state = nextSpeaker(state, levels, now)).speakerId);
}

describe('active speaker', () => {
  it('highlights the loudest person above the speaking level, nobody in silence', () => {
    expect(feed([[0, { a: 0.01, b: 0.02 }]])).toEqual([null]);
    expect(feed([[0, { a: 0.3, b: 0.1 }]])).toEqual(['a']);
  });

  it('keeps the highlight through a short pause, and drops it after a long one', () => {
    expect(
      feed([
        [0, { a: 0.3 }],
        [500, { a: 0 }],
        [SPEAKER_HOLD_MS + 100, { a: 0 }],
      ]),
    ).toEqual(['a', 'a', null]);
  });

  it('does not flicker to someone only slightly louder while the speaker keeps talking', () => {
    expect(
      feed([
        [0, { a: 0.3, b: 0.1 }],
        [250, { a: 0.3, b: 0.35 }],
        [500, { a: 0.3, b: 0.6 }],
      ]),
    ).toEqual(['a', 'a', 'b']);
  });

  it('hands over to someone who starts talking during the speaker pause', () => {
    expect(
      feed([
        [0, { a: 0.3, b: 0 }],
        [250, { a: 0, b: 0.2 }],
      ]),
    ).toEqual(['a', 'b']);
  });
});
