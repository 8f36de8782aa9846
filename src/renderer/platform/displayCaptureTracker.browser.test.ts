/**
 * The capture tracker on real captures: Chromium's fake screen through a real getDisplayMedia, tracks
 * stopped by the page, cloned, ended together.
 */
import { afterEach, expect, test } from 'vitest';
import { trackDisplayCaptures } from './displayCaptureTracker.ts';

const captures: MediaStream[] = [];
afterEach(() => {
  for (const stream of captures.splice(0)) stream.getTracks().forEach((track) => track.stop());
});

/** A fresh MediaDevices wrapper each test: the tracker replaces getDisplayMedia on the object it is given. */
function devices(): MediaDevices {
  const real = navigator.mediaDevices;
  return { getDisplayMedia: real.getDisplayMedia.bind(real) } as MediaDevices;
}

async function capture(mediaDevices: MediaDevices, options: DisplayMediaStreamOptions = { video: true }) {
  const stream = await mediaDevices.getDisplayMedia(options);
  captures.push(stream);
  return stream;
}

test('reports a capture once, when the page stops its track', async () => {
  let ended = 0;
  const mediaDevices = devices();
  const tracker = trackDisplayCaptures(mediaDevices, () => ended++);
  const stream = await capture(mediaDevices);
  expect(tracker.liveCount).toBe(1);
  const [track] = stream.getVideoTracks();
  track!.stop();
  expect(track!.readyState).toBe('ended');
  expect(ended).toBe(1);
  track!.stop();
  expect(ended).toBe(1);
  expect(tracker.liveCount).toBe(0);
});

test('keeps a capture running while a clone of its track lives', async () => {
  let ended = 0;
  const mediaDevices = devices();
  const tracker = trackDisplayCaptures(mediaDevices, () => ended++);
  const [track] = (await capture(mediaDevices)).getVideoTracks();
  const copy = track!.clone();
  track!.stop();
  expect(ended).toBe(0);
  expect(copy.readyState).toBe('live');
  copy.stop();
  expect(ended).toBe(1);
  expect(tracker.liveCount).toBe(0);
});

test('counts each capture on its own, and stopAll ends every one still running', async () => {
  let ended = 0;
  const mediaDevices = devices();
  const tracker = trackDisplayCaptures(mediaDevices, () => ended++);
  const first = await capture(mediaDevices);
  const second = await capture(mediaDevices);
  expect(tracker.liveCount).toBe(2);
  first.getTracks().forEach((t) => t.stop());
  expect(ended).toBe(1);
  tracker.stopAll();
  expect(ended).toBe(2);
  expect(second.getVideoTracks()[0]!.readyState).toBe('ended');
});
