/**
 * Ringtones synthesised with WebAudio: no audio files to ship, load or allow in the CSP.
 * classic: the dual-tone 440 + 480 Hz ring (North American cadence, shortened); soft: a three-note chime.
 */
export type RingtoneKind = 'classic' | 'soft';

const PATTERN_MS: Record<RingtoneKind, number> = { classic: 3000, soft: 2400 };

function tone(ctx: AudioContext, frequency: number, start: number, duration: number, peak: number): void {
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  osc.frequency.value = frequency;
  osc.type = 'sine';
  gain.gain.setValueAtTime(0, start);
  gain.gain.linearRampToValueAtTime(peak, start + 0.02);
  gain.gain.setValueAtTime(peak, start + duration - 0.05);
  gain.gain.exponentialRampToValueAtTime(0.0001, start + duration);
  osc.connect(gain).connect(ctx.destination);
  osc.start(start);
  osc.stop(start + duration + 0.01);
}

function playPattern(ctx: AudioContext, kind: RingtoneKind): void {
  const t = ctx.currentTime + 0.05;
  if (kind === 'classic') {
    for (const offset of [0, 0.6]) {
      tone(ctx, 440, t + offset, 0.45, 0.08);
      tone(ctx, 480, t + offset, 0.45, 0.08);
    }
  } else {
    [659.25, 830.61, 987.77].forEach((f, i) => tone(ctx, f, t + i * 0.18, 0.9, 0.06));
  }
}

/** Starts ringing; the returned function stops it and releases the audio device. */
export function startRingtone(kind: RingtoneKind, sinkId: string | null): () => void {
  const ctx = new AudioContext();
  // Route the ring to the chosen speaker where the browser supports it (Chromium 110+).
  const withSink = ctx as AudioContext & { setSinkId?: (id: string) => Promise<void> };
  if (sinkId && withSink.setSinkId) withSink.setSinkId(sinkId).catch(() => {});
  // Autoplay policy may keep the context suspended until the page had a user gesture; resume when allowed.
  void ctx.resume().catch(() => {});
  playPattern(ctx, kind);
  const timer = setInterval(() => playPattern(ctx, kind), PATTERN_MS[kind]);
  return () => {
    clearInterval(timer);
    void ctx.close();
  };
}
