/**
 * Adapts the socket client to the engine's SignalingPort: converts the browser's RTC*Init shapes into the
 * protocol's wire shapes and reports refused messages instead of dropping them silently. It lives here, where
 * the socket client and the engine meet, so that signaling/ needs nothing of the engine.
 */
import { SfuPublishAck } from '../../shared/protocol/index.ts';
import type { ClientToServerEvents, IceCandidate, SessionDescription } from '../../shared/protocol/index.ts';
import type { SignalingPort } from '../webrtc/index.ts';
import { ApiRequestError } from '../signaling/restClient.ts';
import type { SignalingClient } from '../signaling/socketClient.ts';

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
  /** Runs `deliver` now, or once the answer is recorded (never if it fails), keeping the order of calls. */
  const whenOpen = (deliver: () => void, dropped: () => void = () => undefined) => {
    // Reactions to one promise run in the order they were registered, so held messages keep their order.
    if (open || heldUntil === undefined) deliver();
    else void heldUntil.then(deliver, dropped);
  };
  const send = <
    K extends
      | 'call:offer'
      | 'call:answer'
      | 'call:ice-candidate'
      | 'call:sfu-answer'
      | 'call:sfu-ice-candidate'
      | 'call:sfu-view',
  >(
    event: K,
    payload: Parameters<ClientToServerEvents[K]>[0],
  ) =>
    whenOpen(
      () =>
        void client.send(event, payload).then((ack) => {
          if (!ack.ok) console.warn(`signaling: ${event} refused (${ack.error.code}: ${ack.error.message})`);
        }),
    );
  return {
    // Every offer of this client says it takes an answer per ringing device (see OfferPayload).
    sendOffer: ({ offer, ...to }) =>
      send('call:offer', { ...to, offer: toWireDescription(offer), preconnect: true }),
    sendAnswer: ({ answer, ...to }) => send('call:answer', { ...to, answer: toWireDescription(answer) }),
    sendIceCandidate: ({ candidate, ...to }) =>
      send('call:ice-candidate', { ...to, candidate: toWireCandidate(candidate) }),
    sfuPublish: ({ callId, epoch, offer, sources }) =>
      new Promise((resolve, reject) =>
        whenOpen(
          () => {
            const payload = { callId, epoch, offer: toWireDescription(offer), sources };
            client.send('call:sfu-publish', payload).then((ack) => {
              // The room's answer is Janus's SDP relayed by the server: checked like any other input.
              const parsed = SfuPublishAck.safeParse(ack);
              if (!parsed.success) {
                reject(
                  new ApiRequestError(
                    'bad_response',
                    'Unexpected answer from the server to call:sfu-publish',
                    0,
                  ),
                );
              } else if (parsed.data.ok) {
                resolve(parsed.data.answer);
              } else {
                const { code, message } = parsed.data.error;
                reject(new ApiRequestError(code, message, 0));
              }
            }, reject);
          },
          () => reject(new ApiRequestError('conflict', 'The call could not be joined.', 0)),
        ),
      ),
    sfuAnswer: ({ callId, epoch, answer }) =>
      send('call:sfu-answer', { callId, epoch, answer: toWireDescription(answer) }),
    sfuIceCandidate: ({ callId, epoch, connection, candidate }) =>
      send('call:sfu-ice-candidate', { callId, epoch, connection, candidate: toWireCandidate(candidate) }),
    sfuView: (payload) => send('call:sfu-view', payload),
  };
}
