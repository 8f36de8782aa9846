/**
 * One complete 1:1 call as a client pair lives it: initiate, ring, answer, offer/answer, trickled ICE both
 * ways, hang up. The call-control steps go through a CallControl (the backend's REST API, or the bare relay's
 * socket events) so the same flow, messages and timing apply to both servers.
 */
import type { BenchClient } from './benchClient.ts';
import type { RelayLatencyRecorder } from './relayLatency.ts';

export interface Peer {
  client: BenchClient;
  /** Backend only: the bearer token and device of this client. */
  token: string;
  deviceId: string;
}

export interface Pair {
  caller: Peer;
  callee: Peer;
  /** Backend only: the 1:1 conversation of the pair. */
  conversationId: string;
}

export interface CallControl {
  initiate(pair: Pair): Promise<string>;
  answer(pair: Pair, callId: string): Promise<void>;
  end(pair: Pair, callId: string): Promise<void>;
}

/** Message sizes of a Chromium audio+video 1:1 call: ~5 KB offer, ~4 KB answer, 8 candidates per side. */
export const OFFER_SDP = syntheticSdp(5_000);
export const ANSWER_SDP = syntheticSdp(4_000);
export const CANDIDATES_PER_SIDE = 8;

/** Runs one call; resolves with the setup time (initiate until the caller holds the answer), in ms. */
export async function runCall(
  pair: Pair,
  control: CallControl,
  latency: RelayLatencyRecorder,
): Promise<number> {
  const { caller, callee } = pair;
  const started = performance.now();
  const callId = await control.initiate(pair);
  await callee.client.next('call:incoming', callId);
  await Promise.all([caller.client.next('call:participant-joined', callId), control.answer(pair, callId)]);

  await relay(latency, caller, callee, 'call:offer', { callId, offer: { type: 'offer', sdp: OFFER_SDP } });
  await relay(latency, callee, caller, 'call:answer', {
    callId,
    answer: { type: 'answer', sdp: ANSWER_SDP },
  });
  const setupMs = performance.now() - started;

  await Promise.all([
    trickleIce(latency, caller, callee, callId),
    trickleIce(latency, callee, caller, callId),
  ]);

  await Promise.all([callee.client.next('call:ended', callId), control.end(pair, callId)]);
  return setupMs;
}

async function relay(
  latency: RelayLatencyRecorder,
  from: Peer,
  to: Peer,
  event: 'call:offer' | 'call:answer' | 'call:ice-candidate',
  body: { callId: string } & Record<string, unknown>,
): Promise<void> {
  const payload = { ...body, targetUserId: to.client.userId };
  const received = to.client.next(event, body.callId);
  latency.sent(event, payload, from.client.userId);
  await Promise.all([from.client.emit(event, payload), received]);
}

async function trickleIce(
  latency: RelayLatencyRecorder,
  from: Peer,
  to: Peer,
  callId: string,
): Promise<void> {
  for (let i = 0; i < CANDIDATES_PER_SIDE; i++) {
    const candidate = {
      candidate: `candidate:${i} 1 udp ${2_122_260_223 - i} 192.0.2.${(i % 250) + 1} ${50_000 + i} typ host generation 0 ufrag bnch network-id 1`,
      sdpMid: '0',
      sdpMLineIndex: 0,
      usernameFragment: 'bnch',
    };
    await relay(latency, from, to, 'call:ice-candidate', { callId, candidate });
  }
  await relay(latency, from, to, 'call:ice-candidate', { callId, candidate: null });
}

function syntheticSdp(bytes: number): string {
  const head = 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
  const line = 'a=rtcp-fb:96 goog-remb transport-cc ccm fir nack nack pli\r\n';
  return (head + line.repeat(Math.ceil(bytes / line.length))).slice(0, bytes);
}
