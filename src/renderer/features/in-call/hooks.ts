import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { RefObject } from 'react';
import { useRuntime } from '../../app/context.ts';
import type { RemoteTileView } from '../../webrtc/types.ts';
import { initialStageSelection, nextStageSelection, settleStage } from './stageSelection.ts';
import type { StageInput } from './stageSelection.ts';
import { TileMeasurer } from './tileMeasurer.ts';
import type { ViewedParticipant } from './tileMeasurer.ts';

/** The MediaStream registered for `key` (a user id, or LOCAL_MEDIA), re-rendering when it changes. */
export function useStream(key: string): MediaStream | null {
  const { media } = useRuntime();
  return useSyncExternalStore(media.subscribe, () => media.get(key));
}

/** Wall-clock milliseconds, refreshed every `intervalMs`. */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

export function useElementSize<T extends HTMLElement>(): [
  RefObject<T | null>,
  { width: number; height: number },
] {
  const ref = useRef<T>(null);
  const [size, setSize] = useState({ width: 0, height: 0 });
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry) setSize({ width: entry.contentRect.width, height: entry.contentRect.height });
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, size];
}

/**
 * Binds a stream to a <video> (or an <audio>). Remote audio plays through the same element; when the browser's
 * autoplay policy refuses sound (a reload mid-call has no user gesture yet) the media still plays muted and
 * `onSoundBlocked` lets the screen offer a "turn sound on" button, whose click bumps `soundEpoch`.
 */
export function useMediaElement<T extends HTMLMediaElement>(
  stream: MediaStream | null,
  options: { muted: boolean; sinkId?: string | null; soundEpoch?: number; onSoundBlocked?: () => void },
): RefObject<T | null> {
  const ref = useRef<T>(null);
  const { muted, sinkId, soundEpoch, onSoundBlocked } = options;
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    if (element.srcObject !== stream) element.srcObject = stream;
    if (!stream) return;
    element.muted = muted;
    element.play().catch(() => {
      if (muted) return;
      element.muted = true;
      void element.play().catch(() => {});
      onSoundBlocked?.();
    });
  }, [stream, muted, soundEpoch, onSoundBlocked]);
  useEffect(() => {
    const element = ref.current;
    if (element && sinkId && typeof element.setSinkId === 'function') {
      element.setSinkId(sinkId).catch((error: unknown) => console.warn('speaker: setSinkId failed', error));
    }
  }, [sinkId, stream]);
  return ref;
}

export function useVideoElement(
  stream: MediaStream | null,
  options: { muted: boolean; sinkId?: string | null; soundEpoch?: number; onSoundBlocked?: () => void },
): RefObject<HTMLVideoElement | null> {
  return useMediaElement<HTMLVideoElement>(stream, options);
}

/** How often the stage selection looks at the speaker: fine enough for its 1 s / 2 s hysteresis. */
const STAGE_TICK_MS = 250;

/**
 * The participants on stage (with a video tile), in display order: see stageSelection.ts. The clock only
 * drives speaker swaps; joins, leaves, spotlight and a resized window settle the stage in the same render.
 */
export function useStageSelection(input: Omit<StageInput, 'now'>): readonly string[] {
  const [selection, setSelection] = useState(initialStageSelection);
  const latest = useRef(input);
  useEffect(() => {
    latest.current = input;
  });
  useEffect(() => {
    // An unchanged selection is returned as the same object, so a quiet tick re-renders nothing.
    const timer = setInterval(
      () => setSelection((prev) => nextStageSelection(prev, { ...latest.current, now: Date.now() })),
      STAGE_TICK_MS,
    );
    return () => clearInterval(timer);
  }, []);
  return settleStage(selection.visible, input, selection.lastSpokeAt);
}

/**
 * Reports every remote participant's tile size to `report` (the call controller's setRemoteView), debounced
 * and only on change (see tileMeasurer.ts). Returns the ref to put on each remote tile's element.
 */
export function useRemoteViewReport(
  report: (view: RemoteTileView[]) => void,
  participants: readonly ViewedParticipant[],
): TileMeasurer {
  const [measurer] = useState(() => new TileMeasurer());
  useEffect(() => {
    measurer.setReport(report);
  }, [measurer, report]);
  useEffect(() => {
    measurer.start();
    return () => measurer.stop();
  }, [measurer]);
  useEffect(() => {
    measurer.setParticipants(participants);
  });
  return measurer;
}
