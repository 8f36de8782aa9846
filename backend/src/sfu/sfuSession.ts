/**
 * One participant's SFU session as the modules of sfuSessions.ts share it: its state, the Janus messages it
 * reads (zod, at the edge), and the runtime every part of it works through (the bounded Janus request and
 * the participant's one queue).
 */
import { z } from 'zod';
import type { IceCandidate, SessionDescription, SfuLayer } from '../../../src/shared/protocol/index.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { CallNotifier } from '../services/notifier.ts';
import { attachVideoRoom, type JanusPool, type VideoRoomHandle } from './janusPool.ts';
import { janusErrorCode } from './janusRooms.ts';
import type { SfuRoomRef } from '../domain/sfuRoomRef.ts';

/** Who joined the call, and on which device (null: one that answered without naming a device). */
type JoinedDevices = ReadonlyMap<string, string | null>;

/** Where the call stands now, read after each committed change of it. */
export interface SfuCallState {
  open: boolean;
  sfuRoomId: string | null;
  devices: JoinedDevices;
}

export interface SfuSessionsDeps {
  pool: Pick<JanusPool, 'session'>;
  notifier: Pick<CallNotifier, 'toDevice'>;
  loadCallState(callId: string): Promise<SfuCallState>;
  logger: Logger;
  /** How long a subscription offer waits for the client's answer before the subscription starts over. */
  answerTimeoutMs?: number;
  /** Bound on every single Janus request: a stalled instance must not hold a participant's queue forever. */
  requestTimeoutMs?: number;
}

export interface SfuParticipant {
  callId: string;
  userId: string;
  /** The device whose socket publishes; subscription offers go to it. */
  deviceId: string;
  /** Which of the participant's stays in the call the session is for: a leave ends only its own stay's. */
  stay: number;
}

export type SfuConnection = 'publisher' | 'subscriber';

export const FeedId = z.union([z.number(), z.string()]);
export type FeedId = z.infer<typeof FeedId>;

const PublisherStream = z.looseObject({
  type: z.string(),
  mid: z.string(),
  description: z.string().optional(),
  disabled: z.boolean().optional(),
});
export const Publisher = z.looseObject({
  feed: FeedId,
  display: z.string().optional(),
  streams: z.array(PublisherStream).optional(),
});
export type Publisher = z.infer<typeof Publisher>;
export const PublisherList = z.looseObject({ publishers: z.array(Publisher).optional() });
export const FeedEvent = z.looseObject({ feed: FeedId.optional() });
const SubscriptionStream = z.looseObject({
  type: z.string(),
  mid: z.string(),
  active: z.boolean().optional(),
  feed_id: FeedId.optional(),
  feed_display: z.string().optional(),
  feed_mid: z.string().optional(),
  feed_description: z.string().optional(),
});
export type SubscriptionStream = z.infer<typeof SubscriptionStream>;
const Jsep = z.looseObject({ type: z.enum(['offer', 'answer']), sdp: z.string() });
export const SubscriptionAnswer = z.looseObject({
  streams: z.array(SubscriptionStream).optional(),
  jsep: Jsep.optional(),
});
export const PublishAnswer = z.looseObject({ jsep: Jsep });

interface RoomPublisher {
  feed: FeedId;
  userId: string;
  streams: z.infer<typeof PublisherStream>[];
}

export interface PendingAnswer {
  deliver(answer: SessionDescription): Promise<void>;
}

export interface Session {
  key: string;
  participant: SfuParticipant;
  room: SfuRoomRef;
  closed: boolean;
  queue: Promise<unknown>;
  publisher: VideoRoomHandle | null;
  ownFeed: FeedId | null;
  /** A PeerConnection is up on the publisher handle (a hangup ends it; the next offer publishes anew). */
  published: boolean;
  /** The DTLS fingerprint of the published PeerConnection: another one means the client built a new one. */
  publishedFingerprint: string | null;
  subscriber: VideoRoomHandle | null;
  /** The other publishers of the room, by feed id. */
  publishers: Map<string, RoomPublisher>;
  /** The subscription as Janus last described it (index = m-line). */
  subscribed: SubscriptionStream[];
  /** Layers wanted per `${userId}:${source}`, and what was last applied per subscriber mid. */
  layers: Map<string, SfuLayer>;
  applied: Map<string, string>;
  pendingAnswer: PendingAnswer | null;
  publisherCandidates: IceCandidate[];
  syncQueued: boolean;
  syncFailures: number;
  viewsQueued: boolean;
  /** Removes this session's listeners from each of its handles. */
  unlisten: Map<VideoRoomHandle, () => void>;
}

export const keyOf = (p: Pick<SfuParticipant, 'callId' | 'userId'>) => `${p.callId}:${p.userId}`;

export function newSession(participant: SfuParticipant, room: SfuRoomRef): Session {
  return {
    key: keyOf(participant),
    participant,
    room,
    closed: false,
    queue: Promise.resolve(),
    publisher: null,
    ownFeed: null,
    published: false,
    publishedFingerprint: null,
    subscriber: null,
    publishers: new Map(),
    subscribed: [],
    layers: new Map(),
    applied: new Map(),
    pendingAnswer: null,
    publisherCandidates: [],
    syncQueued: false,
    syncFailures: 0,
    viewsQueued: false,
    unlisten: new Map(),
  };
}

/** A Janus failure as the client sees it: its offer was refused, or the media server is in trouble. */
export function toAppError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const code = janusErrorCode(err);
  // 429-437: missing/invalid element, invalid SDP and the like: what the client sent.
  if (code !== null && code >= 429 && code <= 437) {
    return new AppError('bad_request', 'the media server rejected the session description');
  }
  return new AppError('unavailable', 'the media server could not handle the request; try again');
}

/** What every part of a session works through. */
export interface SessionRuntime {
  readonly deps: SfuSessionsDeps;
  /** A Janus request, failed after the request timeout. */
  janus<T>(work: Promise<T>): Promise<T>;
  /** Runs `task` in the session's queue, refused once the session has ended. */
  enqueue<T>(session: Session, task: () => Promise<T>): Promise<T>;
  /** A failure worth a warning, unless the session has ended meanwhile. */
  logFailure(session: Session, what: string): (err: unknown) => void;
  /** A new VideoRoom handle on the session's Janus. */
  attach(session: Session): Promise<VideoRoomHandle>;
  /** Follows the handle's events for the session (until retired or the session ends). */
  listen(session: Session, handle: VideoRoomHandle, role: SfuConnection): void;
  /** Detaches a handle the session no longer uses, without hearing its last events. */
  retire(session: Session, handle: VideoRoomHandle): void;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

export function createSessionRuntime(
  deps: SfuSessionsDeps,
  listen: (session: Session, handle: VideoRoomHandle, role: SfuConnection) => void,
): SessionRuntime {
  const requestTimeoutMs = deps.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;

  function janus<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error('janus request timed out')), requestTimeoutMs);
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }

  return {
    deps,
    janus,
    enqueue(session, task) {
      const run = session.queue.then(() => {
        if (session.closed) throw new AppError('conflict', 'the media session ended');
        return task();
      });
      session.queue = run.catch(() => undefined);
      return run;
    },
    logFailure: (session, what) => (err) => {
      if (session.closed) return;
      const { callId, userId } = session.participant;
      deps.logger.warn({ err, callId, userId }, what);
    },
    async attach(session) {
      return janus(attachVideoRoom(await deps.pool.session(session.room.url)));
    },
    listen,
    retire(session, handle) {
      session.unlisten.get(handle)?.();
      session.unlisten.delete(handle);
      void janus(handle.detach()).catch(() => undefined);
    },
  };
}
