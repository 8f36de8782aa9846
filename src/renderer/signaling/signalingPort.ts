/**
 * Adapts the socket client to the engine's SignalingPort: converts the browser's RTC*Init shapes into the
 * protocol's wire shapes and reports refused messages instead of dropping them silently.
 */
import type { ClientToServerEvents, IceCandidate, SessionDescription } from '../../shared/protocol.ts';
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

/**
 * `heldUntil`: what the engine says before this promise settles is held back, then sent in order once it
 * fulfils, or dropped if it rejects. A client that answers a call prepares its connections while the server
 * records the answer, but the server relays only between joined participants, so its offer and candidates
 * wait for that answer instead of being refused.
 */
export function createSignalingPort(client: SignalingClient, heldUntil?: Promise<unknown>): SignalingPort {
  let open = heldUntil === undefined;
  void heldUntil?.then(
    () => (open = true),
    () => undefined,
  );
  const send = <K extends 'call:offer' | 'call:answer' | 'call:ice-candidate'>(
    event: K,
    payload: Parameters<ClientToServerEvents[K]>[0],
  ) => {
    const deliver = () =>
      void client.send(event, payload).then((ack) => {
        if (!ack.ok) console.warn(`signaling: ${event} refused (${ack.error.code}: ${ack.error.message})`);
      });
    // Reactions to one promise run in the order they were registered, so held messages keep their order.
    if (open || heldUntil === undefined) deliver();
    else void heldUntil.then(deliver, () => undefined);
  };
  return {
    sendOffer: ({ callId, targetUserId, offer }) =>
      send('call:offer', { callId, targetUserId, offer: toWireDescription(offer) }),
    sendAnswer: ({ callId, targetUserId, answer }) =>
      send('call:answer', { callId, targetUserId, answer: toWireDescription(answer) }),
    sendIceCandidate: ({ callId, targetUserId, candidate }) =>
      send('call:ice-candidate', { callId, targetUserId, candidate: toWireCandidate(candidate) }),
  };
}
