import type { CandidateTrickle } from './candidateTrickle.ts';

/**
 * A session's first offer held back while the peer may offer itself (see PeerSession.deferFirstOffer), and
 * the session's own candidates with it: sent first, they would reach the peer ahead of the offer they belong
 * to. Once an offer has left there is nothing left to defer.
 */
export class FirstOfferDeferral {
  private readonly candidates: CandidateTrickle;
  private pending: { until: Promise<void>; end: () => void } | null = null;
  private offerSent = false;

  constructor(candidates: CandidateTrickle) {
    this.candidates = candidates;
  }

  /** Our offer waits `ms` at most; nothing changes once an offer left or while one waits already. */
  start(ms: number): void {
    if (this.offerSent || this.pending) return;
    let end = () => {};
    const until = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      end = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.pending = { until, end };
    this.candidates.hold();
  }

  /** While the offer is deferred, what resolves when it may leave; nothing to wait for otherwise. */
  wait(): Promise<void> | undefined {
    return this.pending?.until;
  }

  sent(): void {
    this.offerSent = true;
  }

  /** The offer left, or will not: the candidates held meanwhile follow it, unless the session is gone. */
  settle(sendHeldCandidates: boolean): void {
    if (!this.pending) return;
    this.pending = null;
    if (sendHeldCandidates) this.candidates.release();
  }

  /** The session closed: a waiting offer stops waiting (and then finds the session closed). */
  cancel(): void {
    this.pending?.end();
  }
}
