/**
 * What one peer connection sends: the transceivers it starts with, its senders kept in line with the call's
 * outgoing media, and the video encoding of the quality ladder's rung. No negotiation happens here; a
 * change that needs one fires the connection's negotiationneeded (see PeerSession).
 */
import { errorText } from './errorText.ts';
import type { OutgoingMedia } from './mediaTransport.ts';
import { encodingForProfile } from './qualityLadder.ts';
import type { VideoProfileName } from './qualityLadder.ts';

/**
 * Local tracks are added with addTrack, not addTransceiver: only addTrack transceivers are reused by a
 * remote offer's m-lines, so an answerer's tracks ride on the offer instead of forcing a second round.
 */
export function addInitialTransceivers(
  pc: RTCPeerConnection,
  media: OutgoingMedia,
  role: 'offerer' | 'answerer',
): void {
  const streams = media.stream ? [media.stream] : [];
  const offerer = role === 'offerer';
  if (media.audio) pc.addTrack(media.audio, ...streams);
  else if (offerer)
    pc.addTransceiver('audio', { direction: media.starting.audio ? 'sendrecv' : 'recvonly', streams });
  if (media.video) pc.addTrack(media.video, ...streams);
  else if (offerer && media.starting.video) pc.addTransceiver('video', { direction: 'sendrecv', streams });
  else if (offerer && media.receiveVideo) pc.addTransceiver('video', { direction: 'recvonly' });
}

/** Brings the connection's senders in line with what the call sends now (see OutgoingMedia). */
export async function syncSenders(pc: RTCPeerConnection, media: OutgoingMedia): Promise<void> {
  await syncSender(pc, 'audio', media.audio, media.stream, media.starting.audio);
  await syncSender(pc, 'video', media.video, media.stream, media.starting.video);
}

/** `starting`: the kind's capture is under way, so its m-line sends already (see OutgoingMedia). */
async function syncSender(
  pc: RTCPeerConnection,
  kind: 'audio' | 'video',
  track: MediaStreamTrack | null,
  stream: MediaStream | null,
  starting: boolean,
): Promise<void> {
  const transceiver = pc
    .getTransceivers()
    .find((t) => t.receiver.track.kind === kind && t.currentDirection !== 'stopped');
  if (!transceiver) {
    // A first video track in an audio-only session (a screen share): a new m-line, negotiated by negotiationneeded.
    if (track) pc.addTrack(track, ...(stream ? [stream] : []));
    return;
  }
  if (transceiver.sender.track !== track) await transceiver.sender.replaceTrack(track);
  if ((track || starting) && (transceiver.direction === 'recvonly' || transceiver.direction === 'inactive')) {
    // The m-line exists but we never sent on it: start sending, which renegotiates.
    transceiver.direction = 'sendrecv';
    if (stream) transceiver.sender.setStreams(stream);
  }
}

/** The video sender's encoding for the ladder's rung; `peerLabel` names the peer in the console. */
export async function applySendProfile(
  pc: RTCPeerConnection,
  profile: VideoProfileName,
  isScreen: boolean,
  peerLabel: string,
): Promise<void> {
  const sender = pc.getSenders().find((s) => s.track?.kind === 'video');
  if (!sender?.track) return;
  const parameters = sender.getParameters();
  const encoding = parameters.encodings[0];
  if (!encoding) return;
  const target = encodingForProfile(profile, { height: sender.track.getSettings().height ?? null, isScreen });
  if (
    encoding.active === target.active &&
    encoding.maxBitrate === target.maxBitrate &&
    encoding.scaleResolutionDownBy === target.scaleResolutionDownBy
  ) {
    return;
  }
  encoding.active = target.active;
  encoding.maxBitrate = target.maxBitrate;
  encoding.scaleResolutionDownBy = target.scaleResolutionDownBy;
  try {
    await sender.setParameters(parameters);
  } catch (err) {
    // The call goes on at the previous rung; the next sample or negotiation tries again.
    console.warn(`[webrtc] peer ${peerLabel}: send profile not applied`, errorText(err));
  }
}
