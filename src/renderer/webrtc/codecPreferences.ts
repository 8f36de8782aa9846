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

function rank(mimeType: string, first: string | undefined): number {
  const key = mimeType.toLowerCase();
  if (RESILIENCE_MIME_TYPES.has(key)) return RESILIENCE;
  if (key === first) return -1;
  return VIDEO_CODEC_RANK[key] ?? UNRANKED;
}

/**
 * Returns a new array in preference order; the relative order of equal codecs (e.g. VP9 profiles) is kept.
 * `first` (a mime type such as 'video/VP8') moves one codec ahead of the usual order.
 */
export function orderVideoCodecs<T extends { mimeType: string }>(codecs: readonly T[], first?: string): T[] {
  const wanted = first?.toLowerCase();
  return [...codecs].sort((a, b) => rank(a.mimeType, wanted) - rank(b.mimeType, wanted));
}

/**
 * Applies the order to every live video transceiver. Must run before each createOffer/createAnswer, because
 * the preference only shapes descriptions created after it was set. The SFU room is VP8 only (its codec is
 * fixed per room), so its publisher puts VP8 first; a mesh keeps VP9 first.
 */
export function preferVideoCodecs(pc: RTCPeerConnection, first?: string): void {
  const capabilities = RTCRtpReceiver.getCapabilities('video');
  if (!capabilities) return;
  const ordered = orderVideoCodecs(capabilities.codecs, first);
  for (const transceiver of pc.getTransceivers()) {
    if (transceiver.receiver.track.kind === 'video' && transceiver.currentDirection !== 'stopped') {
      transceiver.setCodecPreferences(ordered);
    }
  }
}
