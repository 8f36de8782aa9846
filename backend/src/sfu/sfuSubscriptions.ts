/**
 * The subscriber side of SFU sessions: one multistream subscriber handle per participant following the
 * room's other publishers, its offers relayed to the participant's device and their answers awaited in the
 * session's queue (a subscription update must never interleave with an offer still waiting for the client's
 * answer), and the simulcast layers the client asks for.
 */
import type { z } from 'zod';
import { SfuSource, SfuStreamDto, type SfuLayer } from '../../../src/shared/protocol/index.ts';
import { AppError } from '../errors.ts';
import {
  SubscriptionAnswer,
  toAppError,
  type FeedId,
  type PendingAnswer,
  type Publisher,
  type Session,
  type SessionRuntime,
  type SubscriptionStream,
} from './sfuSession.ts';

const DEFAULT_ANSWER_TIMEOUT_MS = 20_000;
/** A subscription sync that failed (a feed left between event and update) is retried this many times. */
const MAX_SYNC_RETRIES = 3;
const SYNC_RETRY_DELAY_MS = 500;
/** Janus simulcast substreams: 0 is the lowest layer. */
const SUBSTREAM_OF: Record<Exclude<SfuLayer, 'off'>, number> = { low: 0, medium: 1, high: 2 };

export interface Subscriptions {
  /** Publishers Janus told the session's publisher handle of: followed unless they are the participant. */
  rememberPublishers(session: Session, publishers: Publisher[]): void;
  /** A feed unpublished or left the room. */
  feedGone(session: Session, feed: FeedId): void;
  /** The subscriber handle is unusable (its PeerConnection is gone): start over with a new one. */
  restartSubscription(session: Session): void;
  /** Applies the layers wanted (again) in the session's queue. */
  requestViews(session: Session): void;
}

const isLive = (s: SubscriptionStream) => s.active !== false && s.feed_id !== undefined;
const pairKey = (feed: FeedId, mid: string | undefined) => `${String(feed)}:${mid ?? ''}`;

export function createSubscriptions(runtime: SessionRuntime): Subscriptions {
  const { deps, janus, enqueue, logFailure } = runtime;
  const answerTimeoutMs = deps.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;

  function rememberPublishers(session: Session, publishers: Publisher[]): void {
    for (const p of publishers) {
      if (session.ownFeed !== null && String(p.feed) === String(session.ownFeed)) continue;
      // The same user's feed from an older session (a reconnect on another node): never receive yourself.
      if (p.display === undefined || p.display === session.participant.userId) continue;
      session.publishers.set(String(p.feed), { feed: p.feed, userId: p.display, streams: p.streams ?? [] });
    }
    requestSync(session);
  }

  function feedGone(session: Session, feed: FeedId): void {
    if (session.ownFeed !== null && String(feed) === String(session.ownFeed)) return;
    if (session.publishers.delete(String(feed))) requestSync(session);
  }

  /** The (feed, mid) pairs the participant should receive: every stream of every other publisher. */
  function wantedStreams(session: Session): { feed: FeedId; mid: string }[] {
    return [...session.publishers.values()].flatMap((p) =>
      p.streams
        .filter((s) => s.disabled !== true && SfuSource.safeParse(s.description).success)
        .map((s) => ({ feed: p.feed, mid: s.mid })),
    );
  }

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

  function restartSubscription(session: Session): void {
    const old = session.subscriber;
    session.subscriber = null;
    session.subscribed = [];
    session.applied.clear();
    session.pendingAnswer = null;
    if (old !== null) runtime.retire(session, old);
    requestSync(session);
  }

  async function syncSubscription(session: Session): Promise<void> {
    const wanted = wantedStreams(session);
    let response: z.infer<typeof SubscriptionAnswer>;
    if (session.subscriber === null) {
      if (wanted.length === 0) return;
      const handle = await runtime.attach(session);
      if (session.closed) {
        void handle.detach().catch(() => undefined);
        return;
      }
      session.subscriber = handle;
      runtime.listen(session, handle, 'subscriber');
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

  return { rememberPublishers, feedGone, restartSubscription, requestViews };
}
