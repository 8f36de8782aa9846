import { describe, expect, test } from 'vitest';
import { PausedVideoPeers } from './pausedVideoPeers.ts';

describe('PausedVideoPeers', () => {
  test('tells the list when a peer’s video is paused and again when it resumes, not on every sample', () => {
    const peers = new PausedVideoPeers();
    expect(peers.sampled('bob', false)).toBeNull();
    expect(peers.sampled('bob', true)).toEqual(['bob']);
    expect(peers.sampled('bob', true)).toBeNull();
    expect(peers.sampled('carol', true)).toEqual(['bob', 'carol']);
    expect(peers.sampled('bob', false)).toEqual(['carol']);
    expect(peers.sampled('carol', false)).toEqual([]);
  });
});
