import { turnCredentialsKey } from './iceServerProvider.ts';

export interface TurnRefusalActions {
  /** Fetches new TURN credentials, which the connections then use. */
  refetch(): Promise<RTCIceServer[]>;
  /** Gathers again on every connection with the new credentials. */
  restartIce(): void;
  /** Tells the user that connections needing a relay cannot be made. */
  report(): void;
  /** The engine was cleaned up meanwhile. */
  closed(): boolean;
}

/**
 * What the engine does when a TURN server refuses our credentials: they may have been rotated or revoked
 * early, so the first refusal earns one refetch and an ICE restart; a refusal of the refetched credentials
 * (or a refetch that returns the very ones refused) is reported, once.
 */
export class TurnRefusalPolicy {
  private readonly actions: TurnRefusalActions;
  private refetching = false;
  /** The key (turnCredentialsKey) of what the refetch returned. */
  private retriedCredentials: string | null = null;
  private reported = false;

  constructor(actions: TurnRefusalActions) {
    this.actions = actions;
  }

  /** `refused`: the configuration in use when the refusal happened. */
  onRefused(refused: RTCIceServer[]): void {
    if (this.actions.closed() || this.reported) return;
    const refusedKey = turnCredentialsKey(refused);
    if (this.retriedCredentials === null) {
      if (this.refetching) return;
      this.refetching = true;
      void this.actions.refetch().then((servers) => {
        if (this.actions.closed()) return;
        this.retriedCredentials = turnCredentialsKey(servers);
        // Retrying the very credentials that were refused is pointless, and Chromium would not even try:
        // an ICE restart redoes TURN allocations only when the configuration changed.
        if (this.retriedCredentials === refusedKey) this.report();
        else this.actions.restartIce();
      });
    } else if (refusedKey === this.retriedCredentials) {
      this.report();
    }
    // Otherwise the refusal concerns credentials the refetch has already replaced: nothing to do.
  }

  private report(): void {
    this.reported = true;
    this.actions.report();
  }
}
