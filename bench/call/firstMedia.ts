/**
 * When the first remote audio and the first remote video frame arrive, seen from the receiving page (never
 * from the sender): an init script hooks every RTCPeerConnection of the page, and for each remote track it
 * records audio at the track's `unmute` (the first RTP packet; remote tracks start muted) and video at the
 * first frame a (hidden) <video> presents (`requestVideoFrameCallback`: decoded and ready to paint).
 * Times are wall-clock milliseconds (timeOrigin + now), so that the caller's and the callee's pages share one
 * axis. The bench resets `window.__firstMedia` before each measurement; only the first of each kind counts.
 */
import type { Page } from 'playwright-core';

export interface FirstMedia {
  audio: number | null;
  video: number | null;
}

interface FirstMediaWindow {
  __firstMedia?: FirstMedia;
}

/** Runs in every page before its scripts (addInitScript). */
export function installFirstMediaHooks(): void {
  const w = window as unknown as FirstMediaWindow;
  const now = () => performance.timeOrigin + performance.now();
  w.__firstMedia = { audio: null, video: null };
  const record = (kind: 'audio' | 'video') => {
    if (w.__firstMedia && w.__firstMedia[kind] === null) w.__firstMedia[kind] = now();
  };
  const watchVideo = (track: MediaStreamTrack) => {
    const video = document.createElement('video');
    video.muted = true;
    video.playsInline = true;
    // Rendered (a detached or hidden element presents no frames), but invisible and out of the way.
    video.style.cssText = 'position:fixed;left:0;top:0;width:2px;height:2px;opacity:0;pointer-events:none';
    video.srcObject = new MediaStream([track]);
    document.documentElement.append(video);
    const done = () => {
      video.srcObject = null;
      video.remove();
    };
    video.requestVideoFrameCallback(() => {
      record('video');
      done();
    });
    track.addEventListener('ended', done);
    void video.play().catch(() => undefined);
  };
  const watchAudio = (track: MediaStreamTrack) => {
    if (!track.muted) return record('audio');
    track.addEventListener('unmute', () => record('audio'), { once: true });
  };
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      this.addEventListener('track', ({ track }) =>
        track.kind === 'video' ? watchVideo(track) : watchAudio(track),
      );
    }
  };
}

export async function resetFirstMedia(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as FirstMediaWindow).__firstMedia = { audio: null, video: null };
  });
}

/** Waits until the page has received both remote audio and a remote video frame; resolves with both times. */
export async function firstMedia(page: Page): Promise<{ audio: number; video: number }> {
  const handle = await page.waitForFunction(
    () => {
      const media = (window as unknown as FirstMediaWindow).__firstMedia;
      return media && media.audio !== null && media.video !== null ? media : null;
    },
    undefined,
    { polling: 20, timeout: 60_000 },
  );
  return (await handle.jsonValue()) as { audio: number; video: number };
}
