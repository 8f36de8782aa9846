/**
 * The Janus side of each participant whose socket is on this backend node, for calls on the SFU: a
 * VideoRoom publisher handle (sfuPublishing.ts) and one multistream subscriber handle following the room's
 * other publishers (sfuSubscriptions.ts). Clients never talk to Janus; their JSEP goes through here.
 *
 * Every Janus operation of one participant runs in one queue: a subscription update must never interleave
 * with an offer still waiting for the client's answer (Janus would renegotiate under the client's feet). The
 * queue task that sent an offer waits for the answer itself, so the answer (`answer()`) does not queue.
 *
 * Sessions end when the participant leaves, the call ends or moves to another room (every committed call
 * change is checked, see callChanged), the device's last socket on this node disconnects, the room is
 * destroyed or the Janus instance goes away. This module holds that life cycle and the entry points.
 */
import type {
  IceCandidate,
  SessionDescription,
  SfuPublishPayload,
  SfuViewPayload,
} from '../../../src/shared/protocol/index.ts';
import { AppError } from '../errors.ts';
import type { Leaver } from '../services/notifier.ts';
import { JANUS_EVENT, VIDEOROOM_EVENT, type JanusEventData, type VideoRoomHandle } from './janusPool.ts';
import { createPublishing } from './sfuPublishing.ts';
import { formatRoomRef, type SfuRoomRef } from '../domain/sfuRoomRef.ts';
import {
  createSessionRuntime,
  FeedEvent,
  keyOf,
  newSession,
  PublisherList,
  toAppError,
  type Session,
  type SfuCallState,
  type SfuConnection,
  type SfuParticipant,
  type SfuSessionsDeps,
} from './sfuSession.ts';
import { createSubscriptions } from './sfuSubscriptions.ts';

export type { SfuCallState, SfuConnection, SfuParticipant, SfuSessionsDeps } from './sfuSession.ts';

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
  /** The calls in which this node holds a session of the device now. */
  callsWithSession(userId: string, deviceId: string): Set<string>;
  /**
   * A committed change to the call (any node): drops the sessions it made obsolete. `left`: the stays whose
   * sessions end at once, even if the participant has rejoined by the time the call is read; a session of a
   * later stay (a rejoin this node saw before a late leave from another node) is not theirs to end.
   */
  callChanged(callId: string, left?: readonly Leaver[]): void;
  /** The device's last socket on this node is gone. */
  deviceGone(userId: string, deviceId: string): void;
  /** Detaches every handle (shutdown). */
  close(): Promise<void>;
}

export function createSfuSessions(deps: SfuSessionsDeps): SfuSessions {
  const { logger } = deps;
  const sessions = new Map<string, Session>();
  const runtime = createSessionRuntime(deps, listen);
  const subscriptions = createSubscriptions(runtime);
  const publishing = createPublishing(runtime, subscriptions);

  function open(participant: SfuParticipant, room: SfuRoomRef): Session {
    const session = newSession(participant, room);
    session.publisherCandidates.push(...publishing.takeEarlyCandidates(session.key, room.roomId));
    sessions.set(session.key, session);
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
    return Promise.allSettled(handles.map((h) => runtime.janus(h.detach()))).then(() => undefined);
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
      else if (session.subscriber === handle) subscriptions.restartSubscription(session);
    });
    on(EVENT.VIDEOROOM_DESTROYED, () => void drop(session, 'room destroyed'));
    if (role === 'subscriber') {
      // The subscriber PeerConnection is gone (closed by the client, ICE or DTLS failure): a new
      // subscription (a fresh offer) is the way back.
      on(JANUS_EVENT.HANDLE_HANGUP, () => {
        if (session.subscriber === handle) subscriptions.restartSubscription(session);
      });
      return;
    }
    on(JANUS_EVENT.HANDLE_HANGUP, () => {
      session.published = false;
    });
    on(EVENT.VIDEOROOM_PUB_LIST, (data) => {
      const parsed = PublisherList.safeParse(data);
      if (parsed.success) subscriptions.rememberPublishers(session, parsed.data.publishers ?? []);
    });
    const gone = (data: JanusEventData) => {
      const feed = FeedEvent.safeParse(data);
      if (feed.success && feed.data.feed !== undefined) subscriptions.feedGone(session, feed.data.feed);
    };
    on(EVENT.VIDEOROOM_UNPUBLISHED, gone);
    on(EVENT.VIDEOROOM_LEAVING, gone);
  }

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

  /** Whether the session is still the participant's after a committed change of the call. */
  function stillIn(session: Session, state: SfuCallState): boolean {
    const device = state.devices.get(session.participant.userId);
    return (
      state.open &&
      state.sfuRoomId === formatRoomRef(session.room) &&
      device !== undefined &&
      (device === null || device === session.participant.deviceId)
    );
  }

  return {
    async publish(participant, room, offer, sources) {
      let session = sessions.get(keyOf(participant));
      if (
        session !== undefined &&
        (session.room.roomId !== room.roomId ||
          session.room.url !== room.url ||
          session.participant.deviceId !== participant.deviceId ||
          session.participant.stay !== participant.stay)
      ) {
        // A new room (failover), the participant moved to another device of theirs, or left and rejoined
        // (the leave, committed on another node, has not reached this one yet).
        await drop(session, 'replaced');
        session = undefined;
      }
      const target = session ?? open(participant, room);
      try {
        return await runtime.enqueue(target, () => publishing.publish(target, offer, sources));
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
        publishing.holdCandidate(session, candidate);
        return true;
      }
      try {
        await publishing.sendCandidate(handle, candidate);
      } catch (err) {
        throw toAppError(err);
      }
      return true;
    },

    bufferCandidate(participant, epoch, candidate) {
      const session = sessions.get(keyOf(participant));
      if (session !== undefined && session.room.roomId === epoch && session.publisher === null) {
        publishing.holdCandidate(session, candidate);
        return;
      }
      publishing.bufferCandidate(participant, epoch, candidate);
    },

    view(participant, epoch, streams) {
      const session = current(participant, epoch);
      for (const s of streams) session.layers.set(`${s.userId}:${s.source}`, s.layer);
      subscriptions.requestViews(session);
    },

    epochOf(participant) {
      const session = sessions.get(keyOf(participant));
      return session !== undefined && session.participant.deviceId === participant.deviceId
        ? session.room.roomId
        : null;
    },

    callsWithSession(userId, deviceId) {
      const calls = new Set<string>();
      for (const { participant: p } of sessions.values()) {
        if (p.userId === userId && p.deviceId === deviceId) calls.add(p.callId);
      }
      return calls;
    },

    callChanged(callId, left = []) {
      // Someone who left and rejoined before the call is read again would keep the old session, and their
      // new connections would get nothing through it: a leave always ends the stay it names.
      for (const session of [...sessions.values()]) {
        const { participant } = session;
        const ended = left.some((l) => l.userId === participant.userId && l.stay >= participant.stay);
        if (participant.callId === callId && ended) void drop(session, 'left the call');
      }
      const local = [...sessions.values()].filter((s) => s.participant.callId === callId);
      if (local.length === 0) return;
      deps.loadCallState(callId).then(
        (state) => {
          for (const session of local) {
            if (!stillIn(session, state)) void drop(session, 'left the call or the room');
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
      publishing.clear();
      await Promise.all([...sessions.values()].map((s) => drop(s, 'shutdown')));
    },
  };
}
