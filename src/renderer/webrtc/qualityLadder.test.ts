import { describe, expect, test } from 'vitest';
import type { ConnectionQuality } from '../../shared/protocol.ts';
import { encodingForProfile, INITIAL_LADDER_STATE, nextLadderState } from './qualityLadder.ts';
import type { VideoProfileName } from './qualityLadder.ts';

function profilesAfter(samples: ConnectionQuality[]): VideoProfileName[] {
  let state = INITIAL_LADDER_STATE;
  return samples.map((quality) => {
    state = nextLadderState(state, quality);
    return state.profile;
  });
}

describe('the send ladder', () => {
  test('starts at HD and steps down one rung after two poor samples in a row', () => {
    expect(profilesAfter(['poor', 'poor', 'poor', 'poor'])).toEqual(['hd', 'sd', 'sd', 'ld']);
  });

  test('does not react to a single poor sample between fair ones', () => {
    expect(profilesAfter(['poor', 'fair', 'poor', 'fair', 'poor', 'good'])).toEqual(Array(6).fill('hd'));
  });

  test('steps up only after five good samples in a row', () => {
    const down = ['poor', 'poor'] as const;
    expect(profilesAfter([...down, 'good', 'good', 'good', 'good', 'good'])).toEqual([
      'hd',
      'sd',
      'sd',
      'sd',
      'sd',
      'sd',
      'hd',
    ]);
    // A fair sample restarts the count.
    expect(profilesAfter([...down, 'good', 'good', 'good', 'good', 'fair', 'good']).at(-1)).toBe('sd');
  });

  test('stays within the ladder at both ends', () => {
    expect(profilesAfter(Array(10).fill('good'))).toEqual(Array(10).fill('hd'));
    expect(profilesAfter(Array(10).fill('poor')).at(-1)).toBe('ld');
  });
});

describe('encodingForProfile', () => {
  test('scales a 720p camera to each rung’s height with the spec’s bitrates', () => {
    const camera = { height: 720, isScreen: false };
    expect(encodingForProfile('hd', camera)).toEqual({ maxBitrate: 2_000_000, scaleResolutionDownBy: 1 });
    expect(encodingForProfile('sd', camera)).toEqual({ maxBitrate: 800_000, scaleResolutionDownBy: 1.5 });
    expect(encodingForProfile('ld', camera)).toEqual({ maxBitrate: 300_000, scaleResolutionDownBy: 3 });
  });

  test('never scales up a camera smaller than the rung', () => {
    expect(encodingForProfile('sd', { height: 360, isScreen: false }).scaleResolutionDownBy).toBe(1);
  });

  test('keeps a screen share at full resolution and only caps its bitrate', () => {
    expect(encodingForProfile('ld', { height: 1080, isScreen: true })).toEqual({
      maxBitrate: 300_000,
      scaleResolutionDownBy: 1,
    });
  });
});
