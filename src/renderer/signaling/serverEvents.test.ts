import { describe, expect, it } from 'vitest';
import { parseServerEvent } from './serverEvents.ts';

const CALL = '10000000-0000-4000-8000-000000000001';
const BOB = '00000000-0000-4000-8000-000000000002';

describe('server event validation', () => {
  it('passes well-formed events through unchanged', () => {
    const offer = { callId: CALL, fromUserId: BOB, offer: { type: 'offer', sdp: 'v=0' } };
    expect(parseServerEvent('call:offer', offer)).toEqual({ ok: true, value: offer });
    const endOfCandidates = { callId: CALL, fromUserId: BOB, candidate: null };
    expect(parseServerEvent('call:ice-candidate', endOfCandidates).ok).toBe(true);
  });

  it('refuses a malformed event and names the bad field', () => {
    expect(
      parseServerEvent('call:media-state-changed', {
        callId: CALL,
        userId: BOB,
        mediaState: { audioEnabled: 'no' },
      }),
    ).toEqual({
      ok: false,
      reason: expect.stringMatching(/^mediaState\.audioEnabled: /),
    });
    expect(
      parseServerEvent('call:ended', { callId: 'not-a-uuid', reason: 'missed', endedBy: null }),
    ).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^callId: /),
    });
    expect(parseServerEvent('call:ended', null).ok).toBe(false);
  });
});
