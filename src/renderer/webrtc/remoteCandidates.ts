/** A peer trickles a few dozen candidates at most; the cap only bounds what a misbehaving peer can make us hold. */
const MAX_PENDING_CANDIDATES = 200;

/**
 * The peer's ICE candidates for one connection: added at once when the connection has the peer's
 * description, held until then otherwise (addIceCandidate throws without one).
 */
export class RemoteCandidates {
  private pending: (RTCIceCandidateInit | null)[] = [];

  async add(pc: RTCPeerConnection, candidate: RTCIceCandidateInit | null): Promise<void> {
    if (!pc.remoteDescription) {
      if (this.pending.length < MAX_PENDING_CANDIDATES) this.pending.push(candidate);
      return;
    }
    await addCandidate(pc, candidate);
  }

  /** All at once: the connection applies them in call order, without a round trip through us in between. */
  async flush(pc: RTCPeerConnection): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    await Promise.all(pending.map((candidate) => addCandidate(pc, candidate)));
  }
}

async function addCandidate(pc: RTCPeerConnection, candidate: RTCIceCandidateInit | null): Promise<void> {
  try {
    // null is end-of-candidates, which addIceCandidate() takes as no argument.
    await pc.addIceCandidate(candidate ?? undefined);
  } catch {
    // A candidate of an ICE generation that a restart has replaced no longer matches; that is expected.
  }
}
