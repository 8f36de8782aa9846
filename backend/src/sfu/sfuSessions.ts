/**
 * The Janus side of each participant whose socket is on this backend node, for calls on the SFU: a
 * VideoRoom publisher handle (joined with display = userId, so everyone can tell whose feeds are whose, and
 * a description per m-line naming its source) and one multistream subscriber handle following the room's
 * other publishers. Clients never talk to Janus; their JSEP goes through here.
 *
 * Every Janus operation of one participant runs in one queue: a subscription update must never interleave
 * with an offer still waiting for the client's answer (Janus would renegotiate under the client's feet). The
 * queue task that sent an offer waits for the answer itself, so the answer (`answer()`) does not queue.
 *
 * Sessions end when the participant leaves, the call ends or moves to another room (every committed call
 * change is checked, see callChanged), the device's last socket on this node disconnects, the room is
 * destroyed or the Janus instance goes away.
 */
import { z } from 'zod';
import {
  SfuSource,
  SfuStreamDto,
  type IceCandidate,
  type SessionDescription,
  type SfuLayer,
  type SfuPublishPayload,
  type SfuViewPayload,
} from '../../../src/shared/protocol.ts';
import { sdpFingerprint } from '../../../src/shared/sdp.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { CallNotifier } from '../services/notifier.ts';
import {
  attachVideoRoom,
  JANUS_EVENT,
  VIDEOROOM_EVENT,
  type JanusEventData,
  type JanusJsep,
  type JanusPool,
  type VideoRoomHandle,
} from './janusPool.ts';
import { janusErrorCode } from './janusRooms.ts';
import { formatRoomRef, type SfuRoomRef } from './sfuRoomRef.ts';

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
}

export type SfuConnection = 'publisher' | 'subscriber';

export interface SfuSessions {
  /** Publishes (or renegotiates) the participant's media in `room`; resolves with Janus's answer. */
  publish(
    participant: SfuParticipant,
    room: SfuRoomRef,
    offer: SessionDescription,
    sources: SfuPublishPayload['sources'],
  ): Promise<SessionDescription>;
  /** The client's answer to the last `call:sfu-offer`. */
  answer(participant: SfuParticipant, epoch: number, answer: SessionDescription): Promise<void>;
  /**
   * A client ICE candidate. false when this node has no session for it yet: the caller checks the epoch
   * and then `bufferCandidate`s it for the publish that is on its way.
   */
  trickle(
    participant: SfuParticipant,
    epoch: number,
    connection: SfuConnection,
    candidate: IceCandidate,
  ): Promise<boolean>;
  /** Keeps a publisher candidate that overtook its publish (the publish handler is still checking). */
  bufferCandidate(participant: SfuParticipant, epoch: number, candidate: IceCandidate): void;
  /** Remembers the layers wanted per remote video stream and applies them (again after every update). */
  view(participant: SfuParticipant, epoch: number, streams: SfuViewPayload['streams']): void;
  /** The epoch of this device's session in the call, null without one. */
  epochOf(participant: SfuParticipant): number | null;
  /** A committed change to the call (any node): drops the sessions it made obsolete. */
  /** `left`: participants whose sessions end at once, even if they have rejoined by the time it is read. */
  callChanged(callId: string, left?: readonly string[]): void;
  /** The device's last socket on this node is gone. */
  deviceGone(userId: string, deviceId: string): void;
  /** Detaches every handle (shutdown). */
  close(): Promise<void>;
}

const DEFAULT_ANSWER_TIMEOUT_MS = 20_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
/** Candidates kept per participant for a publish still in flight, and for how long. */
const MAX_EARLY_CANDIDATES = 64;
const EARLY_CANDIDATE_TTL_MS = 30_000;
/** A subscription sync that failed (a feed left between event and update) is retried this many times. */
const MAX_SYNC_RETRIES = 3;
const SYNC_RETRY_DELAY_MS = 500;

/** Janus simulcast substreams: 0 is the lowest layer. */
const SUBSTREAM_OF: Record<Exclude<SfuLayer, 'off'>, number> = { low: 0, medium: 1, high: 2 };

const FeedId = z.union([z.number(), z.string()]);
type FeedId = z.infer<typeof FeedId>;

const PublisherStream = z.looseObject({
  type: z.string(),
  mid: z.string(),
  description: z.string().optional(),
  disabled: z.boolean().optional(),
});
const Publisher = z.looseObject({
  feed: FeedId,
  display: z.string().optional(),
  streams: z.array(PublisherStream).optional(),
});
const PublisherList = z.looseObject({ publishers: z.array(Publisher).optional() });
const FeedEvent = z.looseObject({ feed: FeedId.optional() });
const SubscriptionStream = z.looseObject({
  type: z.string(),
  mid: z.string(),
  active: z.boolean().optional(),
  feed_id: FeedId.optional(),
  feed_display: z.string().optional(),
  feed_mid: z.string().optional(),
  feed_description: z.string().optional(),
});
type SubscriptionStream = z.infer<typeof SubscriptionStream>;
const Jsep = z.looseObject({ type: z.enum(['offer', 'answer']), sdp: z.string() });
const SubscriptionAnswer = z.looseObject({
  streams: z.array(SubscriptionStream).optional(),
  jsep: Jsep.optional(),
});
const PublishAnswer = z.looseObject({ jsep: Jsep });

interface RoomPublisher {
  feed: FeedId;
  userId: string;
  streams: z.infer<typeof PublisherStream>[];
}

interface PendingAnswer {
  deliver(answer: SessionDescription): Promise<void>;
}

interface Session {
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

interface EarlyCandidates {
  epoch: number;
  candidates: IceCandidate[];
  expiresAt: number;
}

const keyOf = (p: Pick<SfuParticipant, 'callId' | 'userId'>) => `${p.callId}:${p.userId}`;

/** A Janus failure as the client sees it: its offer was refused, or the media server is in trouble. */
function toAppError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const code = janusErrorCode(err);
  // 429-437: missing/invalid element, invalid SDP and the like: what the client sent.
  if (code !== null && code >= 429 && code <= 437) {
    return new AppError('bad_request', 'the media server rejected the session description');
  }
  return new AppError('unavailable', 'the media server could not handle the request; try again');
}

export function createSfuSessions(deps: SfuSessionsDeps): SfuSessions {
  const { logger } = deps;
  const answerTimeoutMs = deps.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;
  const requestTimeoutMs = deps.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const sessions = new Map<string, Session>();
  const early = new Map<string, EarlyCandidates>();

  function janus<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error('janus request timed out')), requestTimeoutMs);
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }

  function enqueue<T>(session: Session, task: () => Promise<T>): Promise<T> {
    const run = session.queue.then(() => {
      if (session.closed) throw new AppError('conflict', 'the media session ended');
      return task();
    });
    session.queue = run.catch(() => undefined);
    return run;
  }

  const logFailure = (session: Session, what: string) => (err: unknown) => {
    if (session.closed) return;
    logger.warn({ err, callId: session.participant.callId, userId: session.participant.userId }, what);
  };

  // -------------------------------------------------------------------------------------------------
  // Life cycle
  // -------------------------------------------------------------------------------------------------

  function open(participant: SfuParticipant, room: SfuRoomRef): Session {
    const key = keyOf(participant);
    const session: Session = {
      key,
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
    const buffered = early.get(key);
    early.delete(key);
    if (buffered !== undefined && buffered.epoch === room.roomId && buffered.expiresAt > Date.now()) {
      session.publisherCandidates.push(...buffered.candidates);
    }
    sessions.set(key, session);
    return session;
  }

  /** Ends the session; its handles are detached (Janus tells the others the feed left). */
  function drop(session: Session, reason: string): Promise<void> {
    if (session.closed) return Promise.resolve();
    session.closed = true;
    if (sessions.get(session.key) === session) sessions.delete(session.key);
    for (const unlisten of session.unlisten.values()) unlisten();
    session.unlisten.clear();
    session.pendingAnswer = null;
    logger.debug(
      { callId: session.participant.callId, userId: session.participant.userId, reason },
      'sfu session closed',
    );
    const handles = [session.publisher, session.subscriber].filter((h) => h !== null);
    session.publisher = null;
    session.subscriber = null;
    return Promise.allSettled(handles.map((h) => janus(h.detach()))).then(() => undefined);
  }

  /** Detaches a handle the session no longer uses, without hearing its last events. */
  function retire(session: Session, handle: VideoRoomHandle): void {
    session.unlisten.get(handle)?.();
    session.unlisten.delete(handle);
    void janus(handle.detach()).catch(() => undefined);
  }

  function listen(session: Session, handle: VideoRoomHandle, role: SfuConnection): void {
    const removers: (() => void)[] = [];
    session.unlisten.set(handle, () => {
      for (const remove of removers.splice(0)) remove();
    });
    const on = (event: string, listener: (data: JanusEventData) => void) => {
      handle.on(event, listener);
      removers.push(() => handle.off(event, listener));
    };
    const EVENT = VIDEOROOM_EVENT;
    on(JANUS_EVENT.HANDLE_DETACHED, () => {
      if (role === 'publisher') void drop(session, 'publisher handle detached');
      else if (session.subscriber === handle) restartSubscription(session);
    });
    on(EVENT.VIDEOROOM_DESTROYED, () => void drop(session, 'room destroyed'));
    if (role === 'subscriber') {
      // The subscriber PeerConnection is gone (closed by the client, ICE or DTLS failure): a new
      // subscription (a fresh offer) is the way back.
      on(JANUS_EVENT.HANDLE_HANGUP, () => {
        if (session.subscriber === handle) restartSubscription(session);
      });
      return;
    }
    on(JANUS_EVENT.HANDLE_HANGUP, () => {
      session.published = false;
    });
    on(EVENT.VIDEOROOM_PUB_LIST, (data) => {
      const parsed = PublisherList.safeParse(data);
      if (parsed.success) rememberPublishers(session, parsed.data.publishers ?? []);
    });
    const gone = (data: JanusEventData) => {
      const feed = FeedEvent.safeParse(data);
      if (!feed.success || feed.data.feed === undefined) return;
      if (session.ownFeed !== null && String(feed.data.feed) === String(session.ownFeed)) return;
      if (session.publishers.delete(String(feed.data.feed))) requestSync(session);
    };
    on(EVENT.VIDEOROOM_UNPUBLISHED, gone);
    on(EVENT.VIDEOROOM_LEAVING, gone);
  }

  function rememberPublishers(session: Session, publishers: z.infer<typeof Publisher>[]): void {
    for (const p of publishers) {
      if (session.ownFeed !== null && String(p.feed) === String(session.ownFeed)) continue;
      // The same user's feed from an older session (a reconnect on another node): never receive yourself.
      if (p.display === undefined || p.display === session.participant.userId) continue;
      session.publishers.set(String(p.feed), { feed: p.feed, userId: p.display, streams: p.streams ?? [] });
    }
    requestSync(session);
  }

  // -------------------------------------------------------------------------------------------------
  // Publishing
  // -------------------------------------------------------------------------------------------------

  async function publishNow(
    session: Session,
    offer: SessionDescription,
    sources: SfuPublishPayload['sources'],
  ): Promise<SessionDescription> {
    const jsep: JanusJsep = { type: 'offer', sdp: offer.sdp };
    const descriptions = sources.map(({ mid, source }) => ({ mid, description: source }));
    const fingerprint = sdpFingerprint(offer.sdp);
    if (session.publisher !== null && session.published && fingerprint !== session.publishedFingerprint) {
      // Not a renegotiation but a new PeerConnection (the client rebuilt it, e.g. after a reconnect):
      // Janus cannot renegotiate across DTLS sessions, so the feed starts over on a new handle.
      retire(session, session.publisher);
      session.publisher = null;
      session.ownFeed = null;
      session.published = false;
    }
    if (session.publisher === null) {
      const handle = await janus(attachVideoRoom(await deps.pool.session(session.room.url)));
      if (session.closed) {
        void handle.detach().catch(() => undefined);
        throw new AppError('conflict', 'the media session ended');
      }
      session.publisher = handle;
      listen(session, handle, 'publisher');
      const joined = await janus(
        handle.joinPublisher({ room: session.room.roomId, display: session.participant.userId }),
      );
      const self = z.looseObject({ feed: FeedId }).parse(joined);
      session.ownFeed = self.feed;
      rememberPublishers(session, PublisherList.parse(joined).publishers ?? []);
    }
    const handle = session.publisher;
    const answer = PublishAnswer.parse(
      session.published
        ? await janus(handle.configure({ jsep, descriptions }))
        : await janus(handle.publish({ jsep, descriptions })),
    );
    session.published = true;
    session.publishedFingerprint = fingerprint;
    const candidates = session.publisherCandidates.splice(0);
    for (const candidate of candidates) {
      void sendCandidate(handle, candidate).catch(logFailure(session, 'sfu publisher candidate failed'));
    }
    return { type: 'answer', sdp: answer.jsep.sdp };
  }

  function sendCandidate(handle: VideoRoomHandle, candidate: IceCandidate): Promise<unknown> {
    return janus(candidate === null ? handle.trickleComplete() : handle.trickle(candidate));
  }

  // -------------------------------------------------------------------------------------------------
  // Subscribing
  // -------------------------------------------------------------------------------------------------

  /** The (feed, mid) pairs the participant should receive: every stream of every other publisher. */
  function wantedStreams(session: Session): { feed: FeedId; mid: string }[] {
    return [...session.publishers.values()].flatMap((p) =>
      p.streams
        .filter((s) => s.disabled !== true && SfuSource.safeParse(s.description).success)
        .map((s) => ({ feed: p.feed, mid: s.mid })),
    );
  }

  const isLive = (s: SubscriptionStream) => s.active !== false && s.feed_id !== undefined;
  const pairKey = (feed: FeedId, mid: string | undefined) => `${String(feed)}:${mid ?? ''}`;

  function requestSync(session: Session): void {
    if (session.syncQueued || session.closed || session.publisher === null) return;
    session.syncQueued = true;
    void enqueue(session, async () => {
      session.syncQueued = false;
      await syncSubscription(session);
      session.syncFailures = 0;
    }).catch((err: unknown) => {
      if (session.closed) return;
      logFailure(session, 'sfu subscription update failed')(err);
      // Typically a feed that left between its event and the update: try again with what is known now.
      if (++session.syncFailures <= MAX_SYNC_RETRIES) {
        setTimeout(() => requestSync(session), SYNC_RETRY_DELAY_MS).unref();
      }
    });
  }

  /** The subscriber handle is unusable (its PeerConnection is gone): start over with a new one. */
  function restartSubscription(session: Session): void {
    const old = session.subscriber;
    session.subscriber = null;
    session.subscribed = [];
    session.applied.clear();
    session.pendingAnswer = null;
    if (old !== null) retire(session, old);
    requestSync(session);
  }

  async function syncSubscription(session: Session): Promise<void> {
    const wanted = wantedStreams(session);
    let response: z.infer<typeof SubscriptionAnswer>;
    if (session.subscriber === null) {
      if (wanted.length === 0) return;
      const handle = await janus(attachVideoRoom(await deps.pool.session(session.room.url)));
      if (session.closed) {
        void handle.detach().catch(() => undefined);
        return;
      }
      session.subscriber = handle;
      listen(session, handle, 'subscriber');
      // autoupdate off: every renegotiation is one this queue asked for, so none can overtake an answer.
      response = SubscriptionAnswer.parse(
        await janus(handle.joinSubscriber({ room: session.room.roomId, streams: wanted, autoupdate: false })),
      );
    } else {
      const wantedKeys = new Set(wanted.map((w) => pairKey(w.feed, w.mid)));
      const live = session.subscribed.filter(isLive);
      const liveKeys = new Set(live.map((s) => pairKey(s.feed_id!, s.feed_mid)));
      const subscribe = wanted.filter((w) => !liveKeys.has(pairKey(w.feed, w.mid)));
      const unsubscribe = live
        .filter((s) => !wantedKeys.has(pairKey(s.feed_id!, s.feed_mid)))
        .map((s) => ({ feed: s.feed_id, mid: s.feed_mid }));
      if (subscribe.length === 0 && unsubscribe.length === 0) return;
      response = SubscriptionAnswer.parse(
        await janus(
          session.subscriber.update({
            ...(subscribe.length > 0 ? { subscribe } : {}),
            ...(unsubscribe.length > 0 ? { unsubscribe } : {}),
          }),
        ),
      );
    }
    // Ended while Janus was answering (the participant left): an offer now would reach the device after
    // the leave, where a rejoin on the same page could take it for its own subscription.
    if (session.closed) return;
    if (response.streams !== undefined) session.subscribed = response.streams;
    if (response.jsep?.type === 'offer') await offerAndAwaitAnswer(session, response.jsep.sdp);
    await applyViews(session);
  }

  /** What the client is told about the offer's m-lines: whose stream each carries. */
  function streamsOf(session: Session): SfuStreamDto[] {
    return session.subscribed.filter(isLive).flatMap((s) => {
      const dto = SfuStreamDto.safeParse({
        mid: s.mid,
        userId: s.feed_display,
        kind: s.type,
        source: s.feed_description,
      });
      return dto.success ? [dto.data] : [];
    });
  }

  async function offerAndAwaitAnswer(session: Session, sdp: string): Promise<void> {
    const subscriber = session.subscriber!;
    const answered = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (session.pendingAnswer !== pending) return;
        session.pendingAnswer = null;
        reject(new Error('no answer to the subscription offer'));
      }, answerTimeoutMs);
      timer.unref();
      const pending: PendingAnswer = {
        async deliver(answer) {
          if (session.pendingAnswer !== pending) {
            throw new AppError('conflict', 'no subscription offer is waiting for an answer');
          }
          session.pendingAnswer = null;
          clearTimeout(timer);
          try {
            await janus(subscriber.start({ jsep: { type: 'answer', sdp: answer.sdp } }));
            resolve();
          } catch (err) {
            reject(err);
            throw toAppError(err);
          }
        },
      };
      session.pendingAnswer = pending;
    });
    const { callId, userId, deviceId } = session.participant;
    deps.notifier.toDevice(userId, deviceId, 'call:sfu-offer', {
      callId,
      epoch: session.room.roomId,
      offer: { type: 'offer', sdp },
      streams: streamsOf(session),
    });
    try {
      await answered;
    } catch (err) {
      // Janus still waits for an answer to this offer; a new subscription is the clean way out.
      if (!session.closed && session.subscriber === subscriber) restartSubscription(session);
      throw err;
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Layers
  // -------------------------------------------------------------------------------------------------

  function requestViews(session: Session): void {
    if (session.viewsQueued || session.closed) return;
    session.viewsQueued = true;
    void enqueue(session, async () => {
      session.viewsQueued = false;
      await applyViews(session);
    }).catch(logFailure(session, 'sfu layer selection failed'));
  }

  async function applyViews(session: Session): Promise<void> {
    if (session.subscriber === null) return;
    const changes: Record<string, unknown>[] = [];
    for (const s of session.subscribed.filter(isLive)) {
      if (s.type !== 'video' || s.feed_display === undefined) continue;
      const layer = session.layers.get(`${s.feed_display}:${s.feed_description ?? ''}`);
      if (layer === undefined) continue;
      const signature = `${s.feed_display}:${s.feed_description ?? ''}:${layer}`;
      if (session.applied.get(s.mid) === signature) continue;
      changes.push(
        layer === 'off'
          ? { mid: s.mid, send: false }
          : { mid: s.mid, send: true, substream: SUBSTREAM_OF[layer] },
      );
      session.applied.set(s.mid, signature);
    }
    if (changes.length === 0) return;
    try {
      await janus(session.subscriber.configure({ streams: changes }));
    } catch (err) {
      session.applied.clear();
      throw err;
    }
  }

  // -------------------------------------------------------------------------------------------------

  function current(participant: SfuParticipant, epoch: number): Session {
    const session = sessions.get(keyOf(participant));
    if (session === undefined || session.participant.deviceId !== participant.deviceId) {
      throw new AppError('conflict', 'publish to the media server first');
    }
    if (session.room.roomId !== epoch) {
      throw new AppError('conflict', 'the call moved to another media server room (stale epoch)');
    }
    return session;
  }

  return {
    async publish(participant, room, offer, sources) {
      let session = sessions.get(keyOf(participant));
      if (
        session !== undefined &&
        (session.room.roomId !== room.roomId ||
          session.room.url !== room.url ||
          session.participant.deviceId !== participant.deviceId)
      ) {
        // A new room (failover), or the participant moved to another device of theirs.
        await drop(session, 'replaced');
        session = undefined;
      }
      const target = session ?? open(participant, room);
      try {
        return await enqueue(target, () => publishNow(target, offer, sources));
      } catch (err) {
        // A first publish that failed leaves nothing worth keeping; a failed renegotiation keeps the rest.
        if (!target.published) await drop(target, 'publish failed');
        throw toAppError(err);
      }
    },

    async answer(participant, epoch, answer) {
      const session = current(participant, epoch);
      if (session.pendingAnswer === null) {
        throw new AppError('conflict', 'no subscription offer is waiting for an answer');
      }
      await session.pendingAnswer.deliver(answer);
    },

    async trickle(participant, epoch, connection, candidate) {
      const session = sessions.get(keyOf(participant));
      if (session === undefined || session.participant.deviceId !== participant.deviceId) return false;
      if (session.room.roomId !== epoch) return false;
      const handle = connection === 'publisher' ? session.publisher : session.subscriber;
      if (handle === null) {
        if (connection === 'subscriber') {
          throw new AppError('conflict', 'no subscription is being negotiated');
        }
        if (session.publisherCandidates.length < MAX_EARLY_CANDIDATES) {
          session.publisherCandidates.push(candidate);
        }
        return true;
      }
      try {
        await sendCandidate(handle, candidate);
      } catch (err) {
        throw toAppError(err);
      }
      return true;
    },

    bufferCandidate(participant, epoch, candidate) {
      const key = keyOf(participant);
      const session = sessions.get(key);
      if (session !== undefined && session.room.roomId === epoch && session.publisher === null) {
        if (session.publisherCandidates.length < MAX_EARLY_CANDIDATES) {
          session.publisherCandidates.push(candidate);
        }
        return;
      }
      let entry = early.get(key);
      if (entry === undefined || entry.epoch !== epoch || entry.expiresAt <= Date.now()) {
        entry = { epoch, candidates: [], expiresAt: Date.now() + EARLY_CANDIDATE_TTL_MS };
        early.set(key, entry);
      }
      if (entry.candidates.length < MAX_EARLY_CANDIDATES) entry.candidates.push(candidate);
      // Bounded: entries of publishes that never came are dropped with the oldest first.
      for (const [k, e] of early) {
        if (early.size <= 1000 && e.expiresAt > Date.now()) break;
        early.delete(k);
      }
    },

    view(participant, epoch, streams) {
      const session = current(participant, epoch);
      for (const s of streams) session.layers.set(`${s.userId}:${s.source}`, s.layer);
      requestViews(session);
    },

    epochOf(participant) {
      const session = sessions.get(keyOf(participant));
      return session !== undefined && session.participant.deviceId === participant.deviceId
        ? session.room.roomId
        : null;
    },

    callChanged(callId, left = []) {
      // Someone who left and rejoined before the call is read again would keep the old session, and their
      // new connections would get nothing through it: a leave always ends it.
      for (const session of [...sessions.values()]) {
        const { participant } = session;
        if (participant.callId === callId && left.includes(participant.userId))
          void drop(session, 'left the call');
      }
      const local = [...sessions.values()].filter((s) => s.participant.callId === callId);
      if (local.length === 0) return;
      deps.loadCallState(callId).then(
        (state) => {
          for (const session of local) {
            const device = state.devices.get(session.participant.userId);
            const stillIn =
              state.open &&
              state.sfuRoomId === formatRoomRef(session.room) &&
              device !== undefined &&
              (device === null || device === session.participant.deviceId);
            if (!stillIn) void drop(session, 'left the call or the room');
          }
        },
        (err: unknown) => logger.warn({ err, callId }, 'sfu sessions: reading the call failed'),
      );
    },

    deviceGone(userId, deviceId) {
      for (const session of [...sessions.values()]) {
        const p = session.participant;
        if (p.userId === userId && p.deviceId === deviceId) void drop(session, 'device disconnected');
      }
    },

    async close() {
      early.clear();
      await Promise.all([...sessions.values()].map((s) => drop(s, 'shutdown')));
    },
  };
}
