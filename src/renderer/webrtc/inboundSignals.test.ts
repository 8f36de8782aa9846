import { expect, test } from 'vitest';
import type { OfferEvent } from '../../shared/protocol.ts';
import { parseIceCandidateEvent, parseOfferEvent } from './inboundSignals.ts';

const base = { callId: 'call-1', fromUserId: 'user-1' };

test('a well-formed offer passes through unchanged', () => {
  const event = { ...base, offer: { type: 'offer' as const, sdp: 'v=0\r\n' } };
  expect(parseOfferEvent(event)).toEqual(event);
});

test('a malformed offer is refused with the field named', () => {
  const answerAsOffer = { ...base, offer: { type: 'answer', sdp: 'v=0' } } as OfferEvent;
  expect(() => parseOfferEvent(answerAsOffer)).toThrow(/Invalid call:offer event: offer\.type/);
  const huge = { ...base, offer: { type: 'offer', sdp: 'a'.repeat(70_000) } } as OfferEvent;
  expect(() => parseOfferEvent(huge)).toThrow(/offer\.sdp/);
  const noSender = { callId: 'call-1', offer: { type: 'offer', sdp: '' } } as unknown as OfferEvent;
  expect(() => parseOfferEvent(noSender)).toThrow(/fromUserId/);
});

test('end-of-candidates (null) is a valid candidate; a missing candidate string is not', () => {
  expect(parseIceCandidateEvent({ ...base, candidate: null }).candidate).toBeNull();
  expect(() => parseIceCandidateEvent({ ...base, candidate: { sdpMid: '0' } as never })).toThrow(
    /candidate\.candidate/,
  );
});
