/**
 * Instant answer's "I answered", peer to peer, the moment the user picks up (Signal's RingRTC says it on its
 * data channel too): the caller's ring offer carries this channel, and the callee's message on it lets the
 * caller start sending without waiting for the server to record the answer and relay
 * `call:participant-joined`, tens of milliseconds more (bench:call, docs/benchmarks.md).
 *
 * Optional both ways. A peer that does not take the channel (a client written from the spec) is heard of
 * through `call:participant-joined` as before; an offer without one (a spec caller) leaves nothing to say
 * it on. That event stays what puts the call on the caller's screen as answered.
 * Trusted as far as it goes: the channel ends at the device that took our offer, which is the callee's, and
 * the message only lets our media flow to that device, which its answer to the server would do anyway.
 */
const LABEL = 'callbridge-answered';
const ANSWERED = 'answered';

/** The caller's end, made before the ring's offer so that the offer carries it. Fires `onAnswered` once. */
export function offerAnswerChannel(pc: RTCPeerConnection, onAnswered: () => void): void {
  const channel = pc.createDataChannel(LABEL);
  channel.addEventListener('message', ({ data }) => {
    if (data !== ANSWERED || channel.readyState !== 'open') return;
    channel.close();
    onAnswered();
  });
}

/** The callee's end: the caller's channel, if its offer carried one. */
export class AnswerChannelEnd {
  private channel: RTCDataChannel | null = null;

  constructor(pc: RTCPeerConnection) {
    pc.addEventListener('datachannel', ({ channel }) => {
      if (channel.label === LABEL) this.channel = channel;
    });
  }

  /** Says it once. Not before the channel is open (picked up at once): the server's event then tells the caller. */
  sayAnswered(): void {
    if (this.channel?.readyState === 'open') this.channel.send(ANSWERED);
    this.channel = null;
  }
}
