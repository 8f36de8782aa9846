import { describe, expect, it } from 'vitest';
import type { SocketAck } from '../../shared/protocol.ts';
import { createSignalingPort } from './signalingPort.ts';
import type { SignalingClient } from './socketClient.ts';

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
});
