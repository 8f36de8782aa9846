import { describe, expect, it } from 'vitest';
import { filterGraph, parseRawTrack } from './renderRecording.ts';

describe('raw tracks', () => {
  it('reads kind and start time from the names Janus gives them, and nothing else', () => {
    expect(parseRawTrack('/r', 'videoroom-42-user-777-1700000000123456-video-1.mjr')).toEqual({
      file: '/r/videoroom-42-user-777-1700000000123456-video-1.mjr',
      kind: 'video',
      startMs: 1_700_000_000_123.456,
    });
    expect(parseRawTrack('/r', 'videoroom-42-user-777-1700000000123456-data-2.mjr')).toBeNull();
    expect(parseRawTrack('/r', 'converted')).toBeNull();
  });
});

describe('filterGraph', () => {
  const track = (kind: 'audio' | 'video', startMs: number) => ({ file: 'x', kind, startMs });

  it('places each track at its own start: late video padded black, late audio delayed', () => {
    const graph = filterGraph([
      track('video', 1000),
      track('audio', 1000),
      track('video', 3500),
      track('audio', 3500),
    ]);
    expect(graph).toContain('[0:v]');
    expect(graph).toContain('tpad=start_duration=0.000:color=black[v0]');
    expect(graph).toContain('tpad=start_duration=2.500:color=black[v1]');
    expect(graph).toContain('[1:a]aresample=48000,adelay=delays=0:all=1[a0]');
    expect(graph).toContain('[3:a]aresample=48000,adelay=delays=2500:all=1[a1]');
    expect(graph).toContain('[v0][v1]xstack=inputs=2:layout=0_0|480_0:fill=black[v]');
    expect(graph).toContain('[a0][a1]amix=inputs=2:duration=longest:normalize=0[a]');
  });

  it('lays five videos out in a 3-column grid and passes a single track through', () => {
    const five = filterGraph([0, 1, 2, 3, 4].map((i) => track('video', i)));
    expect(five).toContain('layout=0_0|480_0|960_0|0_270|480_270:fill=black[v]');
    const one = filterGraph([track('audio', 0)]);
    expect(one).toContain('[a0]anull[a]');
    expect(one).not.toContain('[v]');
  });
});
