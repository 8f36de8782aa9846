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

  it('refuses relayed signaling no peer connection could take, naming the field', () => {
    const base = { callId: CALL, fromUserId: BOB };
    const offer = { ...base, offer: { type: 'offer', sdp: 'v=0\r\n' } };
    expect(parseServerEvent('call:offer', offer)).toEqual({ ok: true, value: offer });
    const answerAsOffer = { ...base, offer: { type: 'answer', sdp: 'v=0' } };
    expect(parseServerEvent('call:offer', answerAsOffer)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^offer\.type: /),
    });
    const huge = { ...base, offer: { type: 'offer', sdp: 'a'.repeat(70_000) } };
    expect(parseServerEvent('call:offer', huge)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^offer\.sdp: /),
    });
    const noSender = { callId: CALL, offer: { type: 'offer', sdp: '' } };
    expect(parseServerEvent('call:offer', noSender)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^fromUserId: /),
    });
    const endOfCandidates = parseServerEvent('call:ice-candidate', { ...base, candidate: null });
    expect(endOfCandidates.ok && endOfCandidates.value.candidate).toBeNull();
    expect(parseServerEvent('call:ice-candidate', { ...base, candidate: { sdpMid: '0' } })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^candidate\.candidate: /),
    });
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

  it('passes a topology change and a subscription offer of the SFU through', () => {
    const topology = {
      callId: CALL,
      topology: 'sfu',
      epoch: 4_503_599_627_370_495,
      reason: 'joined-sfu-call',
    };
    expect(parseServerEvent('call:topology', topology)).toEqual({ ok: true, value: topology });
    const offer = {
      callId: CALL,
      epoch: 7,
      offer: { type: 'offer', sdp: 'v=0' },
      streams: [
        { mid: '0', userId: BOB, kind: 'audio', source: 'audio' },
        { mid: '1', userId: BOB, kind: 'video', source: 'camera' },
      ],
    };
    expect(parseServerEvent('call:sfu-offer', offer)).toEqual({ ok: true, value: offer });
  });

  it('accepts a recording notice, and refuses an unknown state or a message that is not text', () => {
    const notice = { callId: CALL, state: 'stopped', byUserId: null, message: 'disk full' };
    expect(parseServerEvent('call:recording', notice)).toEqual({ ok: true, value: notice });
    expect(parseServerEvent('call:recording', { ...notice, state: 'paused' }).ok).toBe(false);
    expect(parseServerEvent('call:recording', { ...notice, message: 42 }).ok).toBe(false);
    const topology = { callId: CALL, topology: 'sfu', epoch: 1, reason: 'recording-started' };
    expect(parseServerEvent('call:topology', topology).ok).toBe(true);
  });

  it('refuses malformed SFU events: unknown topology, bad epoch, an answer as offer, a stream without owner', () => {
    const topology = { callId: CALL, topology: 'sfu', epoch: 1, reason: 'participant-joined' };
    expect(parseServerEvent('call:topology', { ...topology, topology: 'p2p' })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^topology: /),
    });
    expect(parseServerEvent('call:topology', { ...topology, epoch: -1 }).ok).toBe(false);
    expect(parseServerEvent('call:topology', { ...topology, epoch: 1.5 }).ok).toBe(false);
    expect(parseServerEvent('call:topology', { ...topology, reason: 'because' }).ok).toBe(false);

    const offer = { callId: CALL, epoch: 7, offer: { type: 'offer', sdp: 'v=0' }, streams: [] };
    expect(parseServerEvent('call:sfu-offer', offer).ok).toBe(true);
    expect(
      parseServerEvent('call:sfu-offer', { ...offer, offer: { type: 'answer', sdp: 'v=0' } }),
    ).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^offer\.type: /),
    });
    expect(
      parseServerEvent('call:sfu-offer', {
        ...offer,
        streams: [{ mid: '0', userId: 'someone', kind: 'audio', source: 'audio' }],
      }),
    ).toMatchObject({ ok: false, reason: expect.stringMatching(/^streams\.0\.userId: /) });
    const stream = { mid: '0', userId: BOB, kind: 'video', source: 'camera' };
    expect(parseServerEvent('call:sfu-offer', { ...offer, streams: [stream, stream] }).ok).toBe(false);
    expect(parseServerEvent('call:sfu-offer', { ...offer, epoch: '7' }).ok).toBe(false);
  });
});
