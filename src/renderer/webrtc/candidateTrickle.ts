const MAX_HELD_CANDIDATES = 200;

/**
 * Trickles one connection's candidates, holding them while what they must follow is on the way: on the SFU
 * the description (the backend can hand a candidate to Janus only once the handle has the offer or answer it
 * belongs to), on the mesh a first offer that waits for the peer's (FirstOfferDeferral).
 */
export class CandidateTrickle {
  private held: (RTCIceCandidateInit | null)[] | null = null;
  private readonly send: (candidate: RTCIceCandidateInit | null) => void;

  constructor(send: (candidate: RTCIceCandidateInit | null) => void) {
    this.send = send;
  }

  hold(): void {
    this.held ??= [];
  }

  add(candidate: RTCIceCandidateInit | null): void {
    if (this.held === null) this.send(candidate);
    else if (this.held.length < MAX_HELD_CANDIDATES) this.held.push(candidate);
  }

  release(): void {
    const held = this.held ?? [];
    this.held = null;
    held.forEach((candidate) => this.send(candidate));
  }
}
