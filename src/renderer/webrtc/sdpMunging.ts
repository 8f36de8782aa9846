/**
 * Small, line-based SDP edits. Everything else about the SDP is left to the browser: these touch only what
 * the public API cannot express.
 */

const OPUS_RTPMAP = /^a=rtpmap:(\d+) opus\/48000/i;

/**
 * Makes every Opus payload ask for in-band FEC and no DTX.
 *
 * An fmtp line states what its author wants to *receive*, so this is applied to the SDP we send (the peer's
 * encoder then protects what it sends us) and to the SDP we apply from the peer (our encoder follows the same
 * rules even when the other client left the parameters out). FEC lets Opus rebuild a lost 20 ms frame from
 * the next packet; DTX is kept off because comfort-noise gaps make some peers' jitter buffers (and our own
 * audio-level based active-speaker detection) flap.
 */
export function withOpusFecAndNoDtx(sdp: string): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(eol);
  const opusPayloadTypes = new Set(
    lines.map((line) => OPUS_RTPMAP.exec(line)?.[1]).filter((pt): pt is string => pt !== undefined),
  );
  if (opusPayloadTypes.size === 0) return sdp;

  const withFmtp = new Set<string>();
  const edited = lines.map((line) => {
    const fmtp = /^a=fmtp:(\d+) (.*)$/.exec(line);
    if (!fmtp || !opusPayloadTypes.has(fmtp[1]!)) return line;
    withFmtp.add(fmtp[1]!);
    return `a=fmtp:${fmtp[1]} ${setFmtpParameters(fmtp[2]!, { useinbandfec: '1', usedtx: '0' })}`;
  });

  // An Opus payload without any fmtp line gets one right after its rtpmap.
  const result: string[] = [];
  for (const line of edited) {
    result.push(line);
    const pt = OPUS_RTPMAP.exec(line)?.[1];
    if (pt !== undefined && !withFmtp.has(pt)) result.push(`a=fmtp:${pt} useinbandfec=1;usedtx=0`);
  }
  return result.join(eol);
}

function setFmtpParameters(parameters: string, values: Record<string, string>): string {
  const entries = parameters
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p): [string, string] => {
      const eq = p.indexOf('=');
      return eq === -1 ? [p, ''] : [p.slice(0, eq).trim(), p.slice(eq + 1).trim()];
    });
  const merged = new Map(entries);
  for (const [key, value] of Object.entries(values)) merged.set(key, value);
  return [...merged].map(([key, value]) => (value === '' ? key : `${key}=${value}`)).join(';');
}

/**
 * Makes an answer take the DTLS server's role (`a=setup:passive`), so that the offerer starts the handshake.
 *
 * Why: a ring offer reaches every device of the callee, and each of them answers it while it rings (instant
 * answer). With the browser's default (`active`) every device sends its DTLS ClientHello to the one
 * transport of the caller's offer, and Chromium keeps only the last one that arrived before the answer it
 * applies. When that one came from another device than the answer, the handshake never completes: ICE
 * says connected, yet not one packet of media flows either way. The offerer as DTLS client says hello only
 * on its chosen path, to the device whose answer it took. RFC 5763 allows either role in an answer; it
 * costs half a round trip, which a ring hides.
 */
export function asDtlsServer(sdp: string): string {
  return sdp.replace(/^a=setup:active(?=\r?$)/gm, 'a=setup:passive');
}
