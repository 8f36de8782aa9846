/**
 * The messages between the bench (parent) and its client processes (clientWorker.ts), over Node's IPC channel.
 * Both ends are this bench's own code, started together, so the types are the contract (no zod here: nothing
 * outside the bench can write to the channel).
 *
 * Every time crosses the process boundary as epoch milliseconds (performance.timeOrigin + performance.now()),
 * so the parent can subtract a joiner's answer in one process from a first frame in another.
 */
import type { WindowStats } from './mediaStats.ts';
import type { VideoFormat } from '../../e2e/spec-client/syntheticMedia.ts';

export type Topology = 'sfu' | 'mesh';

export interface WorkerClientSpec {
  /** Position of the client in the call (join order), unique over all processes. */
  index: number;
  userId: string;
  /** SFU only: the account the client signs in with (mesh clients name themselves to the bare relay). */
  token?: string;
  deviceId?: string;
}

export interface ClientTimes {
  index: number;
  joinedAt: number | null;
  firstFrameAt: number | null;
  /** SFU: the first `call:topology` sfu; the publish acknowledgement (Janus's answer in hand). */
  topologyAt: number | null;
  publishedAt: number | null;
  resubscriptions: number;
}

export interface WorkerWindow {
  stats: Array<WindowStats & { index: number }>;
  /** This process's CPU over the window, % of one core. */
  cpuPercentOfOneCore: number;
  eventLoopDelayP99Ms: number;
  rssBytes: number;
}

export type WorkerRequest =
  | {
      type: 'connect';
      topology: Topology;
      url: string;
      format: VideoFormat;
      simulcast: boolean;
      visible: number;
      clients: WorkerClientSpec[];
    }
  /** Creates the clients and their media for the call (their sockets are already connected). */
  | { type: 'attach'; callId: string }
  /** SFU: answer the call (`answer` false for the caller, who initiated); mesh: announce to `present`. */
  | { type: 'join'; index: number; answer: boolean; present: string[] }
  | { type: 'first-frames'; timeoutMs: number }
  | { type: 'window-start' }
  | { type: 'window-end' }
  | { type: 'close' };

export interface WorkerReplies {
  connect: { pid: number };
  attach: null;
  join: null;
  'first-frames': ClientTimes[];
  'window-start': null;
  'window-end': WorkerWindow & { droppedAudioFrames: number };
  close: null;
}

export type ToWorker = { id: number; request: WorkerRequest };

export type FromWorker =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: string }
  /** A client's asynchronous failure (a refused signaling step, a rejected description). */
  | { id: null; clientError: string };
