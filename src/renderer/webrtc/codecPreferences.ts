/**
 * Video codec order: VP9 first (best compression of the three the spec names, and what Chromium decodes in
 * software everywhere), then VP8, then H.264 as the fallback for peers without VP8/VP9 hardware paths.
 * Codecs we do not rank keep their place after those (stable sort); the resilience "codecs" (rtx, red,
 * ulpfec, flexfec) must stay in the list, or retransmission and FEC would be negotiated away.
 */
const VIDEO_CODEC_RANK: Record<string, number> = {
  'video/vp9': 0,
  'video/vp8': 1,
  'video/h264': 2,
};
const UNRANKED = 3;
const RESILIENCE = 4;
const RESILIENCE_MIME_TYPES = new Set(['video/rtx', 'video/red', 'video/ulpfec', 'video/flexfec-03']);

function rank(mimeType: string): number {
  const key = mimeType.toLowerCase();
  if (RESILIENCE_MIME_TYPES.has(key)) return RESILIENCE;
  return VIDEO_CODEC_RANK[key] ?? UNRANKED;
}

/** Returns a new array in preference order; the relative order of equal codecs (e.g. VP9 profiles) is kept. */
export function orderVideoCodecs<T extends { mimeType: string }>(codecs: readonly T[]): T[] {
  return [...codecs].sort((a, b) => rank(a.mimeType) - rank(b.mimeType));
}

/**
 * Applies the order to every live video transceiver. Must run before each createOffer/createAnswer, because
 * the preference only shapes descriptions created after it was set.
 */
export function preferVideoCodecs(pc: RTCPeerConnection): void {
  const capabilities = RTCRtpReceiver.getCapabilities('video');
  if (!capabilities) return;
  const ordered = orderVideoCodecs(capabilities.codecs);
  for (const transceiver of pc.getTransceivers()) {
    if (transceiver.receiver.track.kind === 'video' && transceiver.currentDirection !== 'stopped') {
      transceiver.setCodecPreferences(ordered);
    }
  }
}
