/**
 * The publisher side of SFU sessions: the participant's VideoRoom publisher handle (joined with display =
 * userId, so everyone can tell whose feeds are whose, and a description per m-line naming its source), and
 * the ICE candidates of their publisher connection, also those that overtake the publish they belong to.
 */
import { z } from 'zod';
import type {
  IceCandidate,
  SessionDescription,
  SfuPublishPayload,
} from '../../../src/shared/protocol/index.ts';
import { sdpFingerprint } from '../../../src/shared/sdp.ts';
import { AppError } from '../errors.ts';
import type { JanusJsep, VideoRoomHandle } from './janusPool.ts';
import {
  FeedId,
  keyOf,
  PublishAnswer,
  PublisherList,
  type Session,
  type SessionRuntime,
  type SfuParticipant,
} from './sfuSession.ts';
import type { Subscriptions } from './sfuSubscriptions.ts';

/** Candidates kept per participant for a publish still in flight, and for how long. */
const MAX_EARLY_CANDIDATES = 64;
const EARLY_CANDIDATE_TTL_MS = 30_000;
/** Participants whose early candidates are kept at most. */
const MAX_EARLY_ENTRIES = 1000;

interface EarlyCandidates {
  epoch: number;
  candidates: IceCandidate[];
  expiresAt: number;
}

export interface Publishing {
  /** Publishes or renegotiates; resolves with Janus's answer. Runs in the session's queue. */
  publish(
    session: Session,
    offer: SessionDescription,
    sources: SfuPublishPayload['sources'],
  ): Promise<SessionDescription>;
  sendCandidate(handle: VideoRoomHandle, candidate: IceCandidate): Promise<unknown>;
  /** Keeps a candidate for a publisher handle that does not exist yet. */
  holdCandidate(session: Session, candidate: IceCandidate): void;
  /** Keeps a candidate that overtook the publish that will open its session. */
  bufferCandidate(participant: SfuParticipant, epoch: number, candidate: IceCandidate): void;
  /** The candidates kept for a session opened now in the room `epoch`. */
  takeEarlyCandidates(key: string, epoch: number): IceCandidate[];
  clear(): void;
}

export function createPublishing(runtime: SessionRuntime, subscriptions: Subscriptions): Publishing {
  const { janus, logFailure } = runtime;
  const early = new Map<string, EarlyCandidates>();

  function sendCandidate(handle: VideoRoomHandle, candidate: IceCandidate): Promise<unknown> {
    return janus(candidate === null ? handle.trickleComplete() : handle.trickle(candidate));
  }

  function holdCandidate(session: Session, candidate: IceCandidate): void {
    if (session.publisherCandidates.length < MAX_EARLY_CANDIDATES) {
      session.publisherCandidates.push(candidate);
    }
  }

  async function publish(
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
      runtime.retire(session, session.publisher);
      session.publisher = null;
      session.ownFeed = null;
      session.published = false;
    }
    if (session.publisher === null) {
      const handle = await runtime.attach(session);
      if (session.closed) {
        void handle.detach().catch(() => undefined);
        throw new AppError('conflict', 'the media session ended');
      }
      session.publisher = handle;
      runtime.listen(session, handle, 'publisher');
      const joined = await janus(
        handle.joinPublisher({ room: session.room.roomId, display: session.participant.userId }),
      );
      const self = z.looseObject({ feed: FeedId }).parse(joined);
      session.ownFeed = self.feed;
      subscriptions.rememberPublishers(session, PublisherList.parse(joined).publishers ?? []);
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

  return {
    publish,
    sendCandidate,
    holdCandidate,

    bufferCandidate(participant, epoch, candidate) {
      const key = keyOf(participant);
      let entry = early.get(key);
      if (entry === undefined || entry.epoch !== epoch || entry.expiresAt <= Date.now()) {
        entry = { epoch, candidates: [], expiresAt: Date.now() + EARLY_CANDIDATE_TTL_MS };
        early.set(key, entry);
      }
      if (entry.candidates.length < MAX_EARLY_CANDIDATES) entry.candidates.push(candidate);
      // Bounded: entries of publishes that never came are dropped with the oldest first.
      for (const [k, e] of early) {
        if (early.size <= MAX_EARLY_ENTRIES && e.expiresAt > Date.now()) break;
        early.delete(k);
      }
    },

    takeEarlyCandidates(key, epoch) {
      const buffered = early.get(key);
      early.delete(key);
      return buffered !== undefined && buffered.epoch === epoch && buffered.expiresAt > Date.now()
        ? buffered.candidates
        : [];
    },

    clear() {
      early.clear();
    },
  };
}
