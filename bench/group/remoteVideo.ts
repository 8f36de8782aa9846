/**
 * Detects the first decoded frame of remote video tracks. RTCVideoSink hands every decoded frame to
 * JavaScript as a fresh I420 buffer; with twenty clients times several remote videos that copying alone
 * would load the machine, so each sink is stopped after its first frame (decoding goes on without it:
 * inbound-rtp framesDecoded keeps counting).
 */
import wrtc from '@roamhq/wrtc';

export class FirstFrameWatch {
  /** performance.now() of the first decoded remote frame on any track; null until then. */
  firstFrameAt: number | null = null;
  readonly #sinks = new Set<InstanceType<typeof wrtc.nonstandard.RTCVideoSink>>();
  readonly #waiters: Array<() => void> = [];

  watch(track: MediaStreamTrack): void {
    if (track.kind !== 'video') return;
    const sink = new wrtc.nonstandard.RTCVideoSink(track);
    this.#sinks.add(sink);
    sink.onframe = () => {
      sink.onframe = null;
      this.#sinks.delete(sink);
      // Stopped outside the native callback that delivered the frame.
      setImmediate(() => sink.stop());
      if (this.firstFrameAt !== null) return;
      this.firstFrameAt = performance.now();
      for (const resolve of this.#waiters.splice(0)) resolve();
    };
  }

  /** Resolves at the first frame, or after `timeoutMs` (then firstFrameAt stays null). */
  async whenFirstFrame(timeoutMs: number): Promise<void> {
    if (this.firstFrameAt !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  stop(): void {
    for (const sink of this.#sinks) sink.stop();
    this.#sinks.clear();
  }
}
