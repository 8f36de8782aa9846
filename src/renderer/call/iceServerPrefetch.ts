import type { RestClient } from '../signaling/restClient.ts';
import type { IceServersInfo } from '../webrtc/index.ts';

/** A ring rarely lasts longer; older servers are fetched again rather than trusted to still work. */
export const PREFETCH_MAX_AGE_MS = 60_000;
const MAX_USED_FRACTION = 0.5;

/**
 * TURN credentials fetched the moment a call is about to start (the call button is pressed, an incoming call
 * rings), so the first connection of the call does not wait for the API after the call is placed or
 * answered. A prefetched answer serves one call's first fetch only: renewals and the refetch after a refused
 * credential always ask the API.
 */
export class IceServerPrefetch {
  readonly #fetch: () => Promise<IceServersInfo>;
  readonly #now: () => number;
  #prefetched: { at: number; info: Promise<IceServersInfo> } | null = null;

  constructor(fetch: () => Promise<IceServersInfo>, now: () => number = Date.now) {
    this.#fetch = fetch;
    this.#now = now;
  }

  /** Starts a fetch unless a usable one is already there or under way. */
  warm(): void {
    if (this.#usable()) return;
    const info = this.#fetch();
    // A failed prefetch is forgotten (take() then fetches anew); it is nobody's error yet.
    info.catch(() => {
      if (this.#prefetched?.info === info) this.#prefetched = null;
    });
    this.#prefetched = { at: this.#now(), info };
  }

  /** The prefetched servers when still usable, otherwise a fetch of its own. */
  take(): Promise<IceServersInfo> {
    const prefetched = this.#usable() ? this.#prefetched : null;
    this.#prefetched = null;
    if (!prefetched) return this.#fetch();
    return prefetched.info.then(
      (info) => (this.#mostlyValid(info, prefetched.at) ? info : this.#fetch()),
      () => this.#fetch(),
    );
  }

  /** The engine's ICE server source for one call: its first fetch is the prefetched one, later ones ask anew. */
  forCall(): () => Promise<IceServersInfo> {
    let first = true;
    return () => {
      if (!first) return this.#fetch();
      first = false;
      return this.take();
    };
  }

  /** Short-lived credentials (the server may issue one-minute ones) must not be handed out half used. */
  #mostlyValid(info: IceServersInfo, fetchedAt: number): boolean {
    if (info.expiresAt === null) return true;
    const lifetime = info.expiresAt.getTime() - fetchedAt;
    return this.#now() - fetchedAt < lifetime * MAX_USED_FRACTION;
  }

  #usable(): boolean {
    return this.#prefetched !== null && this.#now() - this.#prefetched.at < PREFETCH_MAX_AGE_MS;
  }
}

/** The TURN credentials of the API as the engine takes them. */
export async function fetchIceServers(api: Pick<RestClient, 'turnCredentials'>): Promise<IceServersInfo> {
  const turn = await api.turnCredentials();
  return {
    iceServers: turn.iceServers.map((s) => ({
      urls: s.urls,
      username: s.username,
      credential: s.credential,
    })),
    expiresAt: turn.expiresAt === null ? null : new Date(turn.expiresAt),
  };
}
