/**
 * Adapts the socket client to the engine's SignalingPort: converts the browser's RTC*Init shapes into the
 * protocol's wire shapes and reports refused messages instead of dropping them silently.
 */
import type { IceCandidate, SessionDescription } from '../../shared/protocol.ts';
import type { SignalingPort } from '../webrtc/index.ts';
import type { SignalingClient } from './socketClient.ts';

function toWireDescription(description: RTCSessionDescriptionInit): SessionDescription {
  return { type: description.type, sdp: description.sdp ?? '' };
}

function toWireCandidate(candidate: RTCIceCandidateInit | null): IceCandidate {
  if (candidate === null) return null;
  return {
    candidate: candidate.candidate ?? '',
    sdpMid: candidate.sdpMid ?? null,
    sdpMLineIndex: candidate.sdpMLineIndex ?? null,
    usernameFragment: candidate.usernameFragment ?? null,
  };
}

export function createSignalingPort(client: SignalingClient): SignalingPort {
  const report = (event: string) => (ack: Awaited<ReturnType<SignalingClient['send']>>) => {
    if (!ack.ok) console.warn(`signaling: ${event} refused (${ack.error.code}: ${ack.error.message})`);
  };
  return {
    sendOffer: ({ callId, targetUserId, offer }) =>
      void client
        .send('call:offer', { callId, targetUserId, offer: toWireDescription(offer) })
        .then(report('call:offer')),
    sendAnswer: ({ callId, targetUserId, answer }) =>
      void client
        .send('call:answer', { callId, targetUserId, answer: toWireDescription(answer) })
        .then(report('call:answer')),
    sendIceCandidate: ({ callId, targetUserId, candidate }) =>
      void client
        .send('call:ice-candidate', { callId, targetUserId, candidate: toWireCandidate(candidate) })
        .then(report('call:ice-candidate')),
  };
}
