/**
 * Who the SFU transport receives, and their streams: each remote participant gets one MediaStream (their
 * audio, plus their screen while they share, else their camera), so the UI keeps one tile per participant
 * exactly as on a mesh. The room's offers say whose each m-line is.
 */
import type { SfuSource, SfuStreamDto } from '../../shared/protocol/index.ts';
import type { TransportObserver } from './mediaTransport.ts';
import { isReceiving } from './sfuConnection.ts';

interface ComposedStream {
  key: string;
  stream: MediaStream;
  hasMedia: boolean;
}

export class SfuRemoteStreams {
  /** Participants we expect (connect) or receive. */
  readonly users = new Set<string>();
  private readonly selfUserId: string;
  private readonly observer: TransportObserver;
  /** Participants who left: an offer sent before the room noticed may still list their streams. */
  private readonly departed = new Set<string>();
  private readonly composed = new Map<string, ComposedStream>();
  private streamsByMid = new Map<string, SfuStreamDto>();

  constructor(selfUserId: string, observer: TransportObserver) {
    this.selfUserId = selfUserId;
    this.observer = observer;
  }

  /** The streams of the room's last offer. */
  get streams(): Iterable<SfuStreamDto> {
    return this.streamsByMid.values();
  }

  /** false for ourselves and for someone already expected. */
  expect(userId: string): boolean {
    if (userId === this.selfUserId || this.users.has(userId)) return false;
    this.departed.delete(userId);
    this.users.add(userId);
    return true;
  }

  /** false when the participant was not expected. */
  remove(userId: string): boolean {
    this.departed.add(userId);
    if (!this.users.delete(userId)) return false;
    this.composed.delete(userId);
    return true;
  }

  /** The room's offer lists these streams; their owners are received from now on (unless they left). */
  announce(streams: readonly SfuStreamDto[]): void {
    this.streamsByMid = new Map(streams.map((s) => [s.mid, s]));
    for (const { userId } of streams) {
      if (userId !== this.selfUserId && !this.departed.has(userId)) this.users.add(userId);
    }
  }

  /** Their stream is announced again at the next composition, even if its tracks stay the same. */
  renew(userId: string): void {
    const composed = this.composed.get(userId);
    if (composed) this.composed.set(userId, { ...composed, key: '' });
  }

  hasMedia(userId: string): boolean {
    return this.composed.get(userId)?.hasMedia ?? false;
  }

  /** The stream whose m-line this is, null for one the room did not describe. */
  streamOf(transceiver: RTCRtpTransceiver): SfuStreamDto | null {
    return transceiver.mid === null ? null : (this.streamsByMid.get(transceiver.mid) ?? null);
  }

  /**
   * One MediaStream per remote participant: their audio and the video their tile shows (the screen while
   * they share, else the camera). A new MediaStream whenever that changes, so a <video> bound to the old
   * one is rebound rather than left guessing which of its tracks to play.
   */
  recompose(subscriber: RTCPeerConnection | null): void {
    if (!subscriber) return;
    const bySource = new Map<string, Partial<Record<SfuSource, MediaStreamTrack>>>();
    for (const transceiver of subscriber.getTransceivers()) {
      const stream = this.streamOf(transceiver);
      if (!stream || stream.userId === this.selfUserId || !isReceiving(transceiver)) continue;
      if (transceiver.receiver.track.kind !== stream.kind) continue;
      const tracks = bySource.get(stream.userId) ?? {};
      tracks[stream.source] = transceiver.receiver.track;
      bySource.set(stream.userId, tracks);
    }
    for (const userId of new Set([...bySource.keys(), ...this.composed.keys()])) {
      if (!this.users.has(userId)) continue;
      const sources = bySource.get(userId) ?? {};
      const tracks = [sources.audio, sources.screen ?? sources.camera].filter(
        (t): t is MediaStreamTrack => t !== undefined,
      );
      const key = tracks.map((t) => t.id).join(' ');
      if (this.composed.get(userId)?.key === key) continue;
      const stream = new MediaStream(tracks);
      this.composed.set(userId, { key, stream, hasMedia: tracks.length > 0 });
      this.observer.remoteStream(userId, stream);
    }
  }

  /** The participant's m-lines on the subscriber, and their receivers' track ids (to find their stats). */
  receiversOf(
    subscriber: RTCPeerConnection | null,
    userId: string,
  ): { mids: Set<string>; trackIds: Set<string> } {
    const mids = new Set<string>();
    const trackIds = new Set<string>();
    for (const transceiver of subscriber?.getTransceivers() ?? []) {
      if (transceiver.mid === null || this.streamOf(transceiver)?.userId !== userId) continue;
      mids.add(transceiver.mid);
      trackIds.add(transceiver.receiver.track.id);
    }
    return { mids, trackIds };
  }

  /** The loudest level heard from each participant's audio m-lines. */
  audioLevels(subscriber: RTCPeerConnection | null): Map<string, number> {
    const levels = new Map<string, number>();
    for (const transceiver of subscriber?.getTransceivers() ?? []) {
      const stream = this.streamOf(transceiver);
      if (stream?.kind !== 'audio' || !isReceiving(transceiver)) continue;
      for (const source of transceiver.receiver.getSynchronizationSources()) {
        if (source.audioLevel === undefined) continue;
        levels.set(stream.userId, Math.max(levels.get(stream.userId) ?? 0, source.audioLevel));
      }
    }
    return levels;
  }
}
