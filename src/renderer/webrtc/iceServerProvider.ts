import { CallEngineError } from './types.ts';
import type { IceServersInfo } from './types.ts';

/** TURN credentials are renewed at 80% of their lifetime, leaving a fifth of it to retry a failed fetch. */
export const REFRESH_AT_FRACTION_OF_TTL = 0.8;
/** Servers fetched this recently are reused by an ICE restart instead of asking the API again. */
export const FRESH_FOR_MS = 10_000;
export const RETRY_AFTER_MS = 30_000;
/** Already-expired or nearly-expired credentials must not turn the timer into a busy loop. */
const MIN_REFRESH_DELAY_MS = 1_000;
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export interface IceServerProviderOptions {
  fetchIceServers: () => Promise<IceServersInfo>;
  /** Called after every successful fetch, scheduled or forced, so open connections can setConfiguration(). */
  onUpdate: (servers: RTCIceServer[]) => void;
  onError: (error: CallEngineError) => void;
  now?: () => number;
}

/**
 * Owns the ICE server list (STUN + time-limited TURN credentials) for one call: the first fetch, the renewal
 * before expiry, the refetch before an ICE restart, and what happens when the API cannot be reached.
 */
export class IceServerProvider {
  private readonly options: IceServerProviderOptions;
  private readonly now: () => number;
  private servers: RTCIceServer[] | null = null;
  private fetchedAt = -Infinity;
  private expiresAt: number | null = null;
  private expiryReported = false;
  private inFlight: Promise<RTCIceServer[]> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;

  constructor(options: IceServerProviderOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  /** The current list, fetched the first time. Never rejects (see fetchOnce). */
  get(): Promise<RTCIceServer[]> {
    return this.servers ? Promise.resolve(this.servers) : this.refresh();
  }

  /** A list fetched at most FRESH_FOR_MS ago: what an ICE restart should gather with. */
  fresh(): Promise<RTCIceServer[]> {
    return this.servers && this.now() - this.fetchedAt < FRESH_FOR_MS
      ? Promise.resolve(this.servers)
      : this.refresh();
  }

  /** Fetches now; concurrent callers share one request. */
  refresh(): Promise<RTCIceServer[]> {
    this.inFlight ??= this.fetchOnce().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  dispose(): void {
    this.disposed = true;
    this.clearTimer();
  }

  private async fetchOnce(): Promise<RTCIceServer[]> {
    try {
      const info = await this.options.fetchIceServers();
      if (this.disposed) return info.iceServers;
      this.servers = info.iceServers;
      this.fetchedAt = this.now();
      this.expiresAt = info.expiresAt ? info.expiresAt.getTime() : null;
      this.expiryReported = false;
      this.schedule(
        this.expiresAt === null ? null : (this.expiresAt - this.fetchedAt) * REFRESH_AT_FRACTION_OF_TTL,
      );
      this.options.onUpdate(this.servers);
      return this.servers;
    } catch {
      // Without the API the call still tries direct paths (same LAN, open NAT) with whatever we had; the
      // user is told once that relaying is not available, and the fetch is retried in the background.
      if (this.disposed) return this.servers ?? [];
      const expired = this.expiresAt !== null && this.now() >= this.expiresAt;
      if (this.servers === null || (expired && !this.expiryReported)) {
        this.expiryReported = true;
        this.options.onError(
          new CallEngineError(
            'turn-expired',
            this.servers === null
              ? 'TURN credentials could not be fetched; connecting without a relay server and retrying.'
              : 'TURN credentials expired and could not be renewed; retrying.',
          ),
        );
      }
      this.servers ??= [];
      this.schedule(RETRY_AFTER_MS);
      return this.servers;
    }
  }

  private schedule(delayMs: number | null): void {
    this.clearTimer();
    if (delayMs === null || this.disposed) return;
    const delay = Math.min(Math.max(delayMs, MIN_REFRESH_DELAY_MS), MAX_TIMER_DELAY_MS);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.refresh();
    }, delay);
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** Identifies a set of TURN credentials, to tell whether a refusal concerns the ones in use now. */
export function turnCredentialsKey(servers: readonly RTCIceServer[]): string {
  return servers
    .filter((s) => (Array.isArray(s.urls) ? s.urls : [s.urls]).some((url) => /^turns?:/i.test(url)))
    .map((s) => `${s.username ?? ''}\n${s.credential ?? ''}`)
    .join('\n');
}
