/**
 * What the SFU transport's publisher and subscriber share: the context their facade gives them, and how
 * either one creates its RTCPeerConnection and takes renewed ICE servers.
 */
import type { StatsEntry } from './connectionStats.ts';
import type { IceServerSource, TransportObserver } from './mediaTransport.ts';
import { connectionConfiguration } from './mediaTransport.ts';
import type { PeerState, SignalingPort } from './types.ts';

export interface SfuTransportOptions {
  callId: string;
  /** The SFU room this transport talks to (see CallTopologyEvent). */
  epoch: number;
  selfUserId: string;
  signaling: SignalingPort;
  iceServers: IceServerSource;
  iceTransportPolicy: RTCIceTransportPolicy;
  observer: TransportObserver;
}

/** A connection's own state; 'closed' is the facade's to report, per participant. */
export type SfuConnectionState = Exclude<PeerState, 'closed'>;
export type SfuConnectionRole = 'publisher' | 'subscriber';
export type SfuErrorKind = 'ice-failed' | 'connection-lost';

/** What the facade lends each of its parts. */
export interface SfuPartContext {
  readonly options: SfuTransportOptions;
  isClosed(): boolean;
  /** A part's connection state changed: the facade derives each participant's state again. */
  stateChanged(): void;
  /** Told to everyone in the call: the room is the only path there is. */
  reportToEveryone(kind: SfuErrorKind, message: string): void;
  /** Fresh ICE servers for both connections and a publish with an ICE restart (see SfuTransport). */
  renewPaths(): void;
}

/**
 * A new connection to the room, or null when the ICE configuration is unusable: then `markFailed` runs
 * (the part's state) and everyone is told.
 */
export function createSfuConnection(
  context: SfuPartContext,
  servers: RTCIceServer[],
  role: SfuConnectionRole,
  markFailed: () => void,
): RTCPeerConnection | null {
  const { options } = context;
  let pc: RTCPeerConnection;
  try {
    pc = new RTCPeerConnection(connectionConfiguration(servers, options.iceTransportPolicy));
  } catch (err) {
    console.warn(`[webrtc] sfu: ${role} not created`, errorText(err));
    markFailed();
    context.reportToEveryone('ice-failed', 'The ICE server configuration is invalid.');
    return null;
  }
  pc.addEventListener('icecandidateerror', (e) => {
    // See PeerSession: a 401 on a TURN url is a refusal of the credentials in use.
    if (!context.isClosed() && e.errorCode === 401 && /^turns?:/i.test(e.url)) {
      options.observer.turnAuthFailed(options.selfUserId, pc.getConfiguration().iceServers ?? []);
    }
  });
  return pc;
}

export function applyIceServers(pc: RTCPeerConnection, servers: RTCIceServer[]): void {
  try {
    pc.setConfiguration({ ...pc.getConfiguration(), iceServers: servers });
  } catch (err) {
    console.warn('[webrtc] sfu: renewed ICE servers not applied', errorText(err));
  }
}

export function isReceiving(transceiver: RTCRtpTransceiver): boolean {
  return transceiver.currentDirection === 'recvonly' || transceiver.currentDirection === 'sendrecv';
}

export function statsEntries(report: RTCStatsReport | null): StatsEntry[] {
  return report ? [...(report.values() as Iterable<StatsEntry>)] : [];
}

export function errorCode(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : null;
}

/** The browser's own wording of an error, for the console only (never a stack). */
export function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
