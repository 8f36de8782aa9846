/**
 * Tells the desktop app's main process when each screen capture this page holds has ended, so that its
 * sharing indicator goes away exactly then, whatever ended the capture: our own stop (hanging up, Stop in
 * the indicator, the share button), the OS or the captured window going away, a track cloned and stopped
 * later. A capture ends when every track of it (clones included) has ended.
 *
 * It sits at the one door every capture comes through, getDisplayMedia, rather than in the call code,
 * because a track's own stop() fires no 'ended' event (Media Capture spec) and a capture the call code
 * discarded (the call ended while the picker was open) must be reported too. The indicator itself does not
 * depend on this page: main shows it when it grants the capture, and clears it when the page goes away.
 */

export interface DisplayCaptureTracker {
  /** Ends every capture still running (Stop in main's indicator, after the call has stopped its share). */
  stopAll(): void;
  /** Captures running now. */
  readonly liveCount: number;
}

export function trackDisplayCaptures(
  mediaDevices: MediaDevices,
  onCaptureEnded: () => void,
): DisplayCaptureTracker {
  const live = new Set<Set<MediaStreamTrack>>();
  const original = mediaDevices.getDisplayMedia?.bind(mediaDevices);

  function watch(stream: MediaStream): void {
    const capture = new Set<MediaStreamTrack>();
    const settle = () => {
      if (capture.size === 0 && live.delete(capture)) onCaptureEnded();
    };
    const ended = (track: MediaStreamTrack) => {
      if (capture.delete(track)) settle();
    };
    const adopt = (track: MediaStreamTrack) => {
      if (track.readyState === 'ended') return;
      capture.add(track);
      track.addEventListener('ended', () => ended(track), { once: true });
      const stop = track.stop.bind(track);
      track.stop = () => {
        stop();
        ended(track);
      };
      const clone = track.clone.bind(track);
      track.clone = () => {
        const copy = clone();
        adopt(copy);
        return copy;
      };
    };
    live.add(capture);
    stream.getTracks().forEach(adopt);
    settle();
  }

  if (original) {
    mediaDevices.getDisplayMedia = async (options?: DisplayMediaStreamOptions) => {
      const stream = await original(options);
      watch(stream);
      return stream;
    };
  }

  return {
    stopAll() {
      for (const capture of [...live]) for (const track of [...capture]) track.stop();
    },
    get liveCount() {
      return live.size;
    },
  };
}
