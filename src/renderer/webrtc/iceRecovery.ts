import type { PeerState } from './types.ts';

/**
 * 'disconnected' often heals by itself (a Wi-Fi hiccup, a consent check lost); restarting at once would
 * throw away a path that is about to come back, waiting much longer leaves the user staring at a frozen tile.
 */
export const DISCONNECTED_GRACE_MS = 3_000;
/** Consecutive ICE restarts that may fail before the peer is reported as failed. */
export const MAX_ICE_RESTARTS = 3;
/**
 * For a connection that never connected: one restart (it fetches new TURN credentials, the one thing a
 * retry can change), so a callee who cannot be reached is reported while the call still rings (45 s),
 * not after it (issue #9: "Connecting…" then "Can't reach Bob").
 */
export const MAX_RESTARTS_BEFORE_FIRST_CONNECT = 1;
/**
 * A first attempt that has not connected by then counts as failed: with no path at all (the callee's
 * network reaches no TURN server, e2e/nat.spec.ts) Chromium sat in 'checking' for the whole ring.
 */
export const FIRST_CONNECT_DEADLINE_MS = 12_000;
/**
 * A restart that has not connected by then counts as failed. Chromium does not always say so itself: with
 * the TURN server gone and every remaining pair unreachable it can sit in 'checking' or 'disconnected' for
 * minutes (seen behind NATs, e2e/nat.spec.ts), and the user would watch "Reconnecting…" forever.
 */
export const RESTART_DEADLINE_MS = 15_000;

export interface IceRecoveryHooks {
  /** Refetch ICE servers, setConfiguration() and restartIce(); the next negotiation carries new credentials. */
  restart(): void;
  /** May repeat the current state; the receiver drops repeats. */
  state(state: PeerState): void;
  error(kind: 'ice-failed' | 'connection-lost', message: string): void;
}

/**
 * The reconnection policy of one peer connection, driven by its iceConnectionState. Kept apart from the
 * RTCPeerConnection so the policy can be exercised with fake timers.
 */
export class IceRecovery {
  private readonly hooks: IceRecoveryHooks;
  private everConnected = false;
  private restarts = 0;
  private outageReported = false;
  private gaveUp = false;
  private graceTimer: ReturnType<typeof setTimeout> | null = null;
  private restartDeadline: ReturnType<typeof setTimeout> | null = null;

  constructor(hooks: IceRecoveryHooks) {
    this.hooks = hooks;
  }

  onIceConnectionState(state: RTCIceConnectionState): void {
    switch (state) {
      case 'new':
      case 'checking':
        // During a restart the state stays 'reconnecting' until ICE connects again.
        if (this.everConnected) return;
        this.hooks.state('connecting');
        if (state === 'checking') {
          this.restartDeadline ??= setTimeout(() => {
            this.restartDeadline = null;
            this.recover();
          }, FIRST_CONNECT_DEADLINE_MS);
        }
        return;
      case 'connected':
      case 'completed':
        this.clearGrace();
        this.clearRestartDeadline();
        this.everConnected = true;
        this.restarts = 0;
        this.outageReported = false;
        this.gaveUp = false;
        this.hooks.state('connected');
        return;
      case 'disconnected':
        if (this.everConnected) this.hooks.state('reconnecting');
        this.graceTimer ??= setTimeout(() => {
          this.graceTimer = null;
          this.recover();
        }, DISCONNECTED_GRACE_MS);
        return;
      case 'failed':
        this.clearGrace();
        this.recover();
        return;
      case 'closed':
        this.dispose();
        return;
    }
  }

  /** A new network (interface up, connection type changed): look for new paths now, and try failed peers again. */
  onNetworkChange(): void {
    this.clearGrace();
    this.restarts = 0;
    this.gaveUp = false;
    this.hooks.restart();
  }

  dispose(): void {
    this.clearGrace();
    this.clearRestartDeadline();
  }

  private recover(): void {
    this.clearRestartDeadline();
    if (this.restarts >= (this.everConnected ? MAX_ICE_RESTARTS : MAX_RESTARTS_BEFORE_FIRST_CONNECT)) {
      if (!this.gaveUp) {
        this.gaveUp = true;
        this.hooks.state('failed');
        this.hooks.error(
          'ice-failed',
          this.everConnected
            ? 'The connection could not be restored.'
            : 'No network path to this participant worked; a TURN server may be needed.',
        );
      }
      return;
    }
    this.restarts += 1;
    if (this.everConnected) {
      this.hooks.state('reconnecting');
      if (!this.outageReported) {
        this.outageReported = true;
        this.hooks.error('connection-lost', 'Connection lost; reconnecting.');
      }
    }
    this.restartDeadline = setTimeout(() => {
      this.restartDeadline = null;
      this.recover();
    }, RESTART_DEADLINE_MS);
    this.hooks.restart();
  }

  private clearRestartDeadline(): void {
    if (this.restartDeadline !== null) clearTimeout(this.restartDeadline);
    this.restartDeadline = null;
  }

  private clearGrace(): void {
    if (this.graceTimer !== null) clearTimeout(this.graceTimer);
    this.graceTimer = null;
  }
}
