import { describe, expect, it } from 'vitest';
import type { SocketAck } from '../../shared/protocol/index.ts';
import { createSignalingPort } from './signalingPort.ts';
import type { SignalingClient } from '../signaling/socketClient.ts';

const CALL = '10000000-0000-4000-8000-000000000005';
const BOB = '00000000-0000-4000-8000-000000000002';

function recordingClient(): { client: SignalingClient; sent: string[] } {
  const sent: string[] = [];
  const client = {
    send: async (event: string, payload: { candidate?: { candidate: string } | null }) => {
      sent.push(
        payload.candidate === undefined ? event : `${event} ${payload.candidate?.candidate ?? 'end'}`,
      );
      return { ok: true } as SocketAck;
    },
  } as unknown as SignalingClient;
  return { client, sent };
}

function say(port: ReturnType<typeof createSignalingPort>): void {
  port.sendOffer({ callId: CALL, targetUserId: BOB, offer: { type: 'offer', sdp: 'v=0' } });
  port.sendIceCandidate({ callId: CALL, targetUserId: BOB, candidate: { candidate: 'candidate:1' } });
  port.sendIceCandidate({ callId: CALL, targetUserId: BOB, candidate: null });
}

describe('signaling port', () => {
  it('holds what is said before the answer is recorded, then sends it in order', async () => {
    const { client, sent } = recordingClient();
    let recorded!: () => void;
    const port = createSignalingPort(client, new Promise<void>((resolve) => (recorded = resolve)));
    say(port);
    await Promise.resolve();
    expect(sent).toEqual([]);

    recorded();
    await new Promise((resolve) => setTimeout(resolve, 0));
    port.sendIceCandidate({ callId: CALL, targetUserId: BOB, candidate: { candidate: 'candidate:2' } });
    expect(sent).toEqual([
      'call:offer',
      'call:ice-candidate candidate:1',
      'call:ice-candidate end',
      'call:ice-candidate candidate:2',
    ]);
  });

  it('drops what it held when the answer fails: the server would refuse it anyway', async () => {
    const { client, sent } = recordingClient();
    const port = createSignalingPort(client, Promise.reject(new Error('call ended')));
    say(port);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(sent).toEqual([]);
  });

  it('sends at once when nothing is pending', () => {
    const { client, sent } = recordingClient();
    say(createSignalingPort(client));
    expect(sent).toHaveLength(3);
  });

  it('publishes to the SFU and resolves with the room answer, or rejects with the server error', async () => {
    const acks: unknown[] = [
      { ok: true, answer: { type: 'answer', sdp: 'v=0 janus' } },
      { ok: false, error: { code: 'conflict', message: 'The call moved to another media room' } },
      { ok: true, answer: { type: 'offer', sdp: 'v=0' } },
    ];
    const sent: { event: string; payload: unknown }[] = [];
    const client = {
      send: async (event: string, payload: unknown) => (sent.push({ event, payload }), acks.shift()),
    } as unknown as SignalingClient;
    const port = createSignalingPort(client);
    const publish = () =>
      port.sfuPublish({
        callId: CALL,
        epoch: 42,
        offer: { type: 'offer', sdp: 'v=0 offer' },
        sources: [{ mid: '0', source: 'audio' }],
      });

    await expect(publish()).resolves.toEqual({ type: 'answer', sdp: 'v=0 janus' });
    expect(sent[0]).toEqual({
      event: 'call:sfu-publish',
      payload: {
        callId: CALL,
        epoch: 42,
        offer: { type: 'offer', sdp: 'v=0 offer' },
        sources: [{ mid: '0', source: 'audio' }],
      },
    });
    await expect(publish()).rejects.toMatchObject({
      code: 'conflict',
      message: 'The call moved to another media room',
    });
    // The room's answer is relayed input like any other: an offer where an answer belongs is refused.
    await expect(publish()).rejects.toMatchObject({ code: 'bad_response' });
  });

  it('sends SFU answers, candidates (end of candidates included) and views as the protocol shapes them', () => {
    const sent: { event: string; payload: unknown }[] = [];
    const client = {
      send: async (event: string, payload: unknown) => (sent.push({ event, payload }), { ok: true }),
    } as unknown as SignalingClient;
    const port = createSignalingPort(client);
    port.sfuAnswer({ callId: CALL, epoch: 1, answer: { type: 'answer', sdp: 'v=0' } });
    port.sfuIceCandidate({
      callId: CALL,
      epoch: 1,
      connection: 'subscriber',
      candidate: { candidate: 'candidate:9' },
    });
    port.sfuIceCandidate({ callId: CALL, epoch: 1, connection: 'publisher', candidate: null });
    port.sfuView({ callId: CALL, epoch: 1, streams: [{ userId: BOB, source: 'camera', layer: 'low' }] });
    expect(sent).toEqual([
      {
        event: 'call:sfu-answer',
        payload: { callId: CALL, epoch: 1, answer: { type: 'answer', sdp: 'v=0' } },
      },
      {
        event: 'call:sfu-ice-candidate',
        payload: {
          callId: CALL,
          epoch: 1,
          connection: 'subscriber',
          candidate: { candidate: 'candidate:9', sdpMid: null, sdpMLineIndex: null, usernameFragment: null },
        },
      },
      {
        event: 'call:sfu-ice-candidate',
        payload: { callId: CALL, epoch: 1, connection: 'publisher', candidate: null },
      },
      {
        event: 'call:sfu-view',
        payload: { callId: CALL, epoch: 1, streams: [{ userId: BOB, source: 'camera', layer: 'low' }] },
      },
    ]);
  });
});
