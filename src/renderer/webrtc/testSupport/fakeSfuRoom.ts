import type { SfuOfferEvent, SfuStreamDto, SfuViewPayload } from '../../../shared/protocol/index.ts';
import type { SignalingPort } from '../types.ts';

type SfuPort = Pick<SignalingPort, 'sfuPublish' | 'sfuAnswer' | 'sfuIceCandidate' | 'sfuView'>;

/** The room side of one client's two connections in one room (one epoch). */
class RoomSide {
  /** Answers our publisher, like Janus's publisher handle (it receives; the layers go nowhere). */
  readonly ingest = new RTCPeerConnection();
  /** Offers our subscription, like Janus's subscriber handle; `offerStreams` adds what it sends. */
  readonly egress = new RTCPeerConnection();
  readonly offeredStreams: SfuStreamDto[] = [];
  /** Candidates of our publisher that arrived before the room had its offer (the transport holds them). */
  readonly earlyPublisherCandidates: unknown[] = [];
}

/**
 * A stand-in for the backend and Janus in one page: two plain RTCPeerConnections per room answer the
 * transport's publisher and offer its subscription, with the candidates inside the SDP as Janus does.
 * Not a simulcast receiver: Chromium answers a simulcast offer with one layer, which is enough to check the
 * offer and that media flows; the real room is exercised by the backend's and the e2e suites.
 */
export class FakeSfuRoom implements SfuPort {
  readonly published: { epoch: number; sdp: string; sources: { mid: string; source: string }[] }[] = [];
  readonly answers: { epoch: number; sdp: string }[] = [];
  readonly views: SfuViewPayload[] = [];
  readonly candidates: { epoch: number; connection: 'publisher' | 'subscriber'; end: boolean }[] = [];
  /** Set to make the next publishes fail with this server error code. */
  refuseWith: string | null = null;
  private readonly rooms = new Map<number, RoomSide>();

  room(epoch: number): RoomSide {
    let room = this.rooms.get(epoch);
    if (!room) {
      room = new RoomSide();
      this.rooms.set(epoch, room);
    }
    return room;
  }

  sfuPublish: SfuPort['sfuPublish'] = async ({ epoch, offer, sources }) => {
    if (this.refuseWith !== null) {
      throw Object.assign(new Error(`refused: ${this.refuseWith}`), { code: this.refuseWith });
    }
    this.published.push({ epoch, sdp: offer.sdp ?? '', sources });
    const { ingest } = this.room(epoch);
    await ingest.setRemoteDescription({ type: 'offer', sdp: offer.sdp ?? '' });
    await ingest.setLocalDescription();
    await gatheringComplete(ingest);
    return { type: 'answer', sdp: ingest.localDescription!.sdp };
  };

  sfuAnswer: SfuPort['sfuAnswer'] = ({ epoch, answer }) => {
    this.answers.push({ epoch, sdp: answer.sdp ?? '' });
    void this.room(epoch).egress.setRemoteDescription({ type: 'answer', sdp: answer.sdp ?? '' });
  };

  sfuIceCandidate: SfuPort['sfuIceCandidate'] = ({ epoch, connection, candidate }) => {
    this.candidates.push({ epoch, connection, end: candidate === null });
    const room = this.room(epoch);
    const pc = connection === 'publisher' ? room.ingest : room.egress;
    if (connection === 'publisher' && !pc.remoteDescription) room.earlyPublisherCandidates.push(candidate);
    void pc.addIceCandidate(candidate ?? undefined).catch(() => undefined);
  };

  sfuView: SfuPort['sfuView'] = (view) => {
    this.views.push(view);
  };

  /**
   * The room's next subscription offer: adds `add` (each participant's tracks, sendonly, as camera or
   * screen) and stops sending `remove` (the m-lines go inactive, as when a feed leaves), then offers.
   */
  async offerStreams(
    callId: string,
    epoch: number,
    add: { userId: string; stream: MediaStream; videoSource?: 'camera' | 'screen' }[],
    remove: string[] = [],
  ): Promise<SfuOfferEvent> {
    const room = this.room(epoch);
    const { egress } = room;
    const added: {
      transceiver: RTCRtpTransceiver;
      userId: string;
      kind: 'audio' | 'video';
      source: SfuStreamDto['source'];
    }[] = [];
    for (const { userId, stream, videoSource } of add) {
      for (const track of stream.getTracks()) {
        const transceiver = egress.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
        const kind = track.kind === 'audio' ? 'audio' : 'video';
        added.push({
          transceiver,
          userId,
          kind,
          source: kind === 'audio' ? 'audio' : (videoSource ?? 'camera'),
        });
      }
    }
    const gone = room.offeredStreams.filter((s) => remove.includes(s.userId));
    for (const transceiver of egress.getTransceivers()) {
      if (gone.some((s) => s.mid === transceiver.mid)) transceiver.direction = 'inactive';
    }
    await egress.setLocalDescription();
    await gatheringComplete(egress);
    const kept = room.offeredStreams.filter((s) => !remove.includes(s.userId));
    room.offeredStreams.splice(0, room.offeredStreams.length, ...kept);
    for (const { transceiver, userId, kind, source } of added) {
      room.offeredStreams.push({ mid: transceiver.mid!, userId, kind, source });
    }
    return {
      callId,
      epoch,
      offer: { type: 'offer', sdp: egress.localDescription!.sdp },
      streams: [...room.offeredStreams],
    };
  }

  /**
   * The server ends our session in the room (our socket dropped): Janus detaches both handles, so our
   * connections lead nowhere, and a publish to the same epoch meets new handles.
   */
  endSession(epoch: number): void {
    const room = this.rooms.get(epoch);
    room?.ingest.close();
    room?.egress.close();
    this.rooms.delete(epoch);
  }

  close(): void {
    for (const room of this.rooms.values()) {
      room.ingest.close();
      room.egress.close();
    }
    this.rooms.clear();
  }
}

function gatheringComplete(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const check = () => {
      if (pc.iceGatheringState !== 'complete') return;
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    pc.addEventListener('icegatheringstatechange', check);
  });
}
