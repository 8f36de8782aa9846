import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { RefObject } from 'react';
import { useRuntime } from '../../app/context.ts';

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
 * Binds a stream to a <video>. Remote audio plays through the same element; when the browser's autoplay
 * policy refuses sound (a reload mid-call has no user gesture yet) the video still plays muted and
 * `onSoundBlocked` lets the screen offer a "turn sound on" button, whose click bumps `soundEpoch`.
 */
export function useVideoElement(
  stream: MediaStream | null,
  options: { muted: boolean; sinkId?: string | null; soundEpoch?: number; onSoundBlocked?: () => void },
): RefObject<HTMLVideoElement | null> {
  const ref = useRef<HTMLVideoElement>(null);
  const { muted, sinkId, soundEpoch, onSoundBlocked } = options;
  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    if (video.srcObject !== stream) video.srcObject = stream;
    if (!stream) return;
    video.muted = muted;
    video.play().catch(() => {
      if (muted) return;
      video.muted = true;
      void video.play().catch(() => {});
      onSoundBlocked?.();
    });
  }, [stream, muted, soundEpoch, onSoundBlocked]);
  useEffect(() => {
    const video = ref.current;
    if (video && sinkId && typeof video.setSinkId === 'function') {
      video.setSinkId(sinkId).catch((error: unknown) => console.warn('speaker: setSinkId failed', error));
    }
  }, [sinkId, stream]);
  return ref;
}
