import { describe, expect, it } from 'vitest';
import { CandidateTrickle } from './candidateTrickle.ts';
import { FirstOfferDeferral } from './firstOfferDeferral.ts';

/** Longer than any test: the offer leaves only when the test says so. */
const PEER_OFFER_WAIT_MS = 60_000;
const candidate = (n: number): RTCIceCandidateInit => ({ candidate: `candidate:${n}`, sdpMid: '0' });

function deferral() {
  const sent: (RTCIceCandidateInit | null)[] = [];
  const trickle = new CandidateTrickle((c) => sent.push(c));
  return { sent, trickle, firstOffer: new FirstOfferDeferral(trickle) };
}

describe('FirstOfferDeferral', () => {
  it('holds our candidates while the first offer waits, and sends them in order once it left', () => {
    const { sent, trickle, firstOffer } = deferral();
    firstOffer.start(PEER_OFFER_WAIT_MS);
    trickle.add(candidate(1));
    trickle.add(candidate(2));
    expect(firstOffer.wait()).toBeInstanceOf(Promise);
    expect(sent).toEqual([]);

    firstOffer.sent();
    firstOffer.settle(true);
    expect(sent).toEqual([candidate(1), candidate(2)]);
    trickle.add(candidate(3));
    expect(sent).toHaveLength(3);
    firstOffer.cancel();
  });

  it('a session closed while its offer waits: the offer stops waiting and the held candidates are dropped', async () => {
    const { sent, trickle, firstOffer } = deferral();
    firstOffer.start(PEER_OFFER_WAIT_MS);
    trickle.add(candidate(1));
    const waiting = firstOffer.wait();
    firstOffer.cancel();
    await waiting;
    firstOffer.settle(false);
    expect(sent).toEqual([]);
  });

  it('once an offer has left, a later deferral holds nothing back', () => {
    const { sent, trickle, firstOffer } = deferral();
    firstOffer.sent();
    firstOffer.start(PEER_OFFER_WAIT_MS);
    expect(firstOffer.wait()).toBeUndefined();
    trickle.add(candidate(1));
    expect(sent).toEqual([candidate(1)]);
  });
});
