import type { PeerState } from './types.ts';

/**
 * 'disconnected' often heals by itself (a Wi-Fi hiccup, a consent check lost); restarting at once would
 * throw away a path that is about to come back, waiting much longer leaves the user staring at a frozen tile.
 */
export const DISCONNECTED_GRACE_MS = 3_000;
/** Consecutive ICE restarts that may fail before the peer is reported as failed. */
export const MAX_ICE_RESTARTS = 3;

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

  constructor(hooks: IceRecoveryHooks) {
    this.hooks = hooks;
  }

  onIceConnectionState(state: RTCIceConnectionState): void {
    switch (state) {
      case 'new':
      case 'checking':
        // During a restart the state stays 'reconnecting' until ICE connects again.
        if (!this.everConnected) this.hooks.state('connecting');
        return;
      case 'connected':
      case 'completed':
        this.clearGrace();
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
  }

  private recover(): void {
    if (this.restarts >= MAX_ICE_RESTARTS) {
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
    this.hooks.restart();
  }

  private clearGrace(): void {
    if (this.graceTimer !== null) clearTimeout(this.graceTimer);
    this.graceTimer = null;
  }
}
