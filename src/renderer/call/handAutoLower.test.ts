import { describe, expect, it } from 'vitest';
import { SPEAKER_HOLD_MS, SPEAKING_LEVEL } from './activeSpeaker.ts';
import { nextTalk, silent, spokeLongEnough, SPOKE_FOR_MS, type TalkState } from './handAutoLower.ts';

/** Feeds one level every 200 ms from `start`, as the engine samples. */
function feed(levels: number[], start = 0, from: TalkState = silent): TalkState {
  return levels.reduce((state, level, i) => nextTalk(state, level, start + i * 200), from);
}
const LOUD = SPEAKING_LEVEL * 4;
const samplesFor = (ms: number) => Math.ceil(ms / 200) + 1;

describe('a raised hand comes down after its owner spoke a while', () => {
  it('continuous speech for SPOKE_FOR_MS counts', () => {
    expect(spokeLongEnough(feed(Array(samplesFor(SPOKE_FOR_MS)).fill(LOUD)))).toBe(true);
  });

  it('a short remark does not', () => {
    expect(spokeLongEnough(feed(Array(samplesFor(SPOKE_FOR_MS / 2)).fill(LOUD)))).toBe(false);
  });

  it('pauses between words shorter than the hold keep counting', () => {
    const words = Array.from({ length: 40 }, (_, i) => (i % 5 === 4 ? 0 : LOUD));
    expect(spokeLongEnough(feed(words))).toBe(true);
  });

  it('a longer silence starts the count again', () => {
    const pause = Array(samplesFor(SPEAKER_HOLD_MS) + 1).fill(0);
    const half = Array(samplesFor(SPOKE_FOR_MS / 2)).fill(LOUD);
    expect(spokeLongEnough(feed([...half, ...pause, ...half]))).toBe(false);
  });

  it('silence never counts', () => {
    expect(spokeLongEnough(feed(Array(50).fill(SPEAKING_LEVEL / 2)))).toBe(false);
  });
});
