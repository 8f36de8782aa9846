/** Reading identities out of SDP: which connection on the other side a description comes from. */

/**
 * The DTLS certificate fingerprint of a description. It changes only when the other side created a new
 * connection (a reload or restart), which an ICE restart never does; so an offer with a different
 * fingerprint cannot be applied to the old connection and calls for a fresh one.
 */
export function sdpFingerprint(sdp: string): string | null {
  const match = /^a=fingerprint:(.+)$/m.exec(sdp);
  return match ? match[1]!.trim().toLowerCase() : null;
}

/**
 * The ICE username fragment of a description's first media section. A server that signs every connection
 * with one certificate (Janus does) gives each new handle its own ICE credentials, and keeps them across
 * renegotiations of that handle: a new ufrag in a server's offer means a new server-side connection.
 */
export function sdpIceUfrag(sdp: string): string | null {
  const match = /^a=ice-ufrag:(\S+)/m.exec(sdp);
  return match ? match[1]! : null;
}
