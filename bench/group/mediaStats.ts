/**
 * What one client's peer connections moved over a measurement window, from two getStats snapshots: bytes up
 * and down (transport level, so RTP headers, RTCP and SRTP overhead count, as on the wire), which outbound
 * video encodings actually carried bytes (a simulcast layer that is negotiated but paused by bandwidth or
 * CPU adaptation does not count) and how many remote frames were decoded.
 */

export interface ConnectionSnapshot {
  at: number;
  bytesSent: number;
  bytesReceived: number;
  framesDecoded: number;
  /** connectionState of each connection at the snapshot. */
  states: RTCPeerConnectionState[];
  /** Outbound video encodings by `<connection index>:<stats id>`. */
  outboundVideo: Map<string, OutboundVideo>;
  /** Received videos by `<connection index>:<stats id>`: which layer each remote camera arrives in. */
  inboundVideo: Map<string, InboundVideo>;
}

interface InboundVideo {
  bytesReceived: number;
  width: number | null;
  height: number | null;
}

export interface ReceivedVideo {
  kbps: number;
  width: number | null;
  height: number | null;
}

interface OutboundVideo {
  /** Which sender (one camera track on one connection) the encoding belongs to. */
  stream: string;
  rid: string | null;
  bytesSent: number;
  width: number | null;
  height: number | null;
  qualityLimitationReason: string | null;
}

export interface LayerReport {
  rid: string | null;
  kbps: number;
  width: number | null;
  height: number | null;
  qualityLimitationReason: string | null;
}

export interface WindowStats {
  uploadKbps: number;
  downloadKbps: number;
  /** Video senders with bytes flowing: 1 per client on the SFU, one per peer in a mesh. */
  videoStreams: number;
  /** Encodings with bytes flowing, summed over the senders (3 per sender with full simulcast). */
  videoLayers: number;
  decodedFps: number;
  layers: LayerReport[];
  /** Remote videos with bytes flowing, largest first (SFU: the layer Janus forwards for each tile). */
  received: ReceivedVideo[];
  /** Connections not 'connected' at the end of the window (a failed subscription shows here). */
  unconnected: number;
}

type StatsEntry = Record<string, unknown> & { type: string; id: string };

export async function snapshot(connections: readonly RTCPeerConnection[]): Promise<ConnectionSnapshot> {
  const result: ConnectionSnapshot = {
    at: performance.now(),
    bytesSent: 0,
    bytesReceived: 0,
    framesDecoded: 0,
    states: connections.map((pc) => pc.connectionState),
    outboundVideo: new Map(),
    inboundVideo: new Map(),
  };
  const reports = await Promise.all(connections.map((pc) => pc.getStats().catch(() => null)));
  reports.forEach((report, index) => {
    if (report === null) return;
    for (const entry of report.values() as IterableIterator<StatsEntry>) {
      if (entry.type === 'transport') {
        result.bytesSent += numberOr0(entry.bytesSent);
        result.bytesReceived += numberOr0(entry.bytesReceived);
      } else if (entry.type === 'inbound-rtp' && entry.kind === 'video') {
        result.framesDecoded += numberOr0(entry.framesDecoded);
        result.inboundVideo.set(`${index}:${entry.id}`, {
          bytesReceived: numberOr0(entry.bytesReceived),
          width: typeof entry.frameWidth === 'number' ? entry.frameWidth : null,
          height: typeof entry.frameHeight === 'number' ? entry.frameHeight : null,
        });
      } else if (entry.type === 'outbound-rtp' && entry.kind === 'video') {
        result.outboundVideo.set(`${index}:${entry.id}`, {
          stream: `${index}:${String(entry.mediaSourceId ?? entry.trackId ?? entry.ssrc)}`,
          rid: typeof entry.rid === 'string' ? entry.rid : null,
          bytesSent: numberOr0(entry.bytesSent),
          width: typeof entry.frameWidth === 'number' ? entry.frameWidth : null,
          height: typeof entry.frameHeight === 'number' ? entry.frameHeight : null,
          qualityLimitationReason:
            typeof entry.qualityLimitationReason === 'string' ? entry.qualityLimitationReason : null,
        });
      }
    }
  });
  return result;
}

export function windowStats(before: ConnectionSnapshot, after: ConnectionSnapshot): WindowStats {
  const seconds = (after.at - before.at) / 1000;
  const kbps = (bytes: number) => Math.round((bytes * 8) / seconds / 1000);
  const layers: LayerReport[] = [];
  const streams = new Set<string>();
  for (const [key, encoding] of after.outboundVideo) {
    const sent = encoding.bytesSent - (before.outboundVideo.get(key)?.bytesSent ?? 0);
    if (sent <= 0) continue;
    streams.add(encoding.stream);
    layers.push({
      rid: encoding.rid,
      kbps: kbps(sent),
      width: encoding.width,
      height: encoding.height,
      qualityLimitationReason: encoding.qualityLimitationReason,
    });
  }
  const received: ReceivedVideo[] = [];
  for (const [key, video] of after.inboundVideo) {
    const bytes = video.bytesReceived - (before.inboundVideo.get(key)?.bytesReceived ?? 0);
    if (bytes > 0) received.push({ kbps: kbps(bytes), width: video.width, height: video.height });
  }
  return {
    uploadKbps: kbps(after.bytesSent - before.bytesSent),
    downloadKbps: kbps(after.bytesReceived - before.bytesReceived),
    videoStreams: streams.size,
    videoLayers: layers.length,
    decodedFps: Math.round(((after.framesDecoded - before.framesDecoded) / seconds) * 10) / 10,
    layers: layers.sort((a, b) => (b.width ?? 0) - (a.width ?? 0)),
    received: received.sort((a, b) => (b.width ?? 0) - (a.width ?? 0)),
    unconnected: after.states.filter((state) => state !== 'connected').length,
  };
}

function numberOr0(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}
