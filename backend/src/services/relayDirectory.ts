/**
 * Who may be relayed to in a call: its joined participants and the device each joined on, and its invitees
 * still ringing (on every device: one of them will answer). Offers and ICE
 * candidates arrive in bursts of dozens per peer, so the answer is cached per call instead of asked from the
 * database for every message. Every committed change to a call invalidates its entry on every node
 * (see CallNotifier.callChanged); the TTL only bounds the damage of a lost invalidation.
 */
export interface SignalingParticipant {
  /** The device a joined participant joined on; null for one that answered without naming it, or not yet. */
  deviceId: string | null;
  /** False while still invited or ringing. */
  joined: boolean;
  /** Which stay in the call (see Participant.stay). */
  stay: number;
}
export type CallSignalers = ReadonlyMap<string, SignalingParticipant>;

export interface RelayDirectory {
  /** `fresh` bypasses the cache (a miss may just mean the entry predates a join). */
  participants(callId: string, fresh: boolean): Promise<CallSignalers>;
  invalidate(callId: string): void;
}

interface Entry {
  devices: Promise<CallSignalers>;
  expiresAt: number;
}

export function createRelayDirectory(
  load: (callId: string) => Promise<CallSignalers>,
  options: { ttlMs: number; maxEntries: number; now?: () => number },
): RelayDirectory {
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();

  function fetch(callId: string): Promise<CallSignalers> {
    const devices = load(callId);
    const entry = { devices, expiresAt: now() + options.ttlMs };
    entries.delete(callId);
    entries.set(callId, entry);
    // A failed load is not cached: the next message tries again.
    devices.catch(() => {
      if (entries.get(callId) === entry) entries.delete(callId);
    });
    if (entries.size > options.maxEntries) entries.delete(entries.keys().next().value!);
    return devices;
  }

  return {
    participants(callId, fresh) {
      const entry = entries.get(callId);
      if (fresh || entry === undefined || entry.expiresAt <= now()) return fetch(callId);
      return entry.devices;
    },
    invalidate(callId) {
      entries.delete(callId);
    },
  };
}
