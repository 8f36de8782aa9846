/**
 * Entering and leaving calls: starting one, joining one (after the answer, on a reload, from the banner of a
 * group call in progress), calling back, hanging up, and the offers this client makes once in a call.
 *
 * Who connects to whom, as the spec has it: the caller offers to the callee with the ring, and the callee
 * answers. Every ringing device of the callee takes that offer, connects, and sends nothing until the user
 * answers (instant answer: answering only starts the senders); the caller sends nothing to a callee until
 * they answered either. A callee never offers to the caller: one whose device got no offer while it rang
 * gets it once it answered (call:participant-joined names the device). In a group call the initiator offers
 * to each participant who answers, and whoever joins offers to the other participants already in it. On
 * `call:participant-reconnected` both sides renegotiate from scratch (perfect negotiation settles the glare).
 */
import type {
  AnswerCallResponse,
  CallDto,
  EndReason,
  InitiableCallType,
  MediaState,
} from '../../shared/protocol/index.ts';
import { ApiRequestError, errorMessage } from '../signaling/restClient.ts';
import { recordingStatusOf } from '../store/callRecording.ts';
import type { CallSnapshot, CurrentCall } from '../store/call.reducer.ts';
import { othersOf } from '../store/callMembers.ts';
import type { CallFlowParts } from './callFlowParts.ts';
import { recordCall } from './callFlowParts.ts';
import { currentCall, dispatchCall, toast } from './callContext.ts';
import { HANG_UP_FIRST, recordingNotice, titleOf } from './callMessages.ts';

export interface JoinFlowHooks {
  /** Glare (see RingFlow.resolveGlare): true when it moved this client into the other call. */
  resolveGlare(): Promise<boolean>;
}

export class JoinFlow {
  readonly #parts: CallFlowParts;
  readonly #hooks: JoinFlowHooks;
  #starting = false;

  constructor(parts: CallFlowParts, hooks: JoinFlowHooks) {
    this.#parts = parts;
    this.#hooks = hooks;
  }

  async startCall(conversationId: string, type: InitiableCallType, title: string): Promise<void> {
    const { deps, iceServers, media } = this.#parts;
    if (deps.store.getState().call.current || this.#starting) {
      toast(this.#parts.ctx, 'warning', HANG_UP_FIRST);
      return;
    }
    let response;
    this.#starting = true;
    iceServers.warm();
    try {
      response = await deps.api.initiateCall({ conversationId, type, deviceId: deps.deviceId });
    } catch (error) {
      toast(this.#parts.ctx, 'error', `Could not start the call: ${errorMessage(error)}`);
      return;
    } finally {
      this.#starting = false;
    }
    const withVideo = type === 'video';
    dispatchCall(this.#parts.ctx, {
      type: 'call-entered',
      snapshot: {
        callId: response.callId,
        conversationId,
        type,
        initiatedBy: deps.selfId,
        startedAt: null,
        participants: response.participants,
      },
      direction: 'outgoing',
      title,
      phase: 'ringing',
      local: { audioEnabled: true, videoEnabled: withVideo, screenSharing: false },
    });
    if (await this.#hooks.resolveGlare()) return;
    // The callee may have answered before this client knew the call's id (a client resolving glare answers
    // the instant call:incoming arrives): its call:participant-joined was dropped as being for an unknown
    // call. The server's snapshot, read after that answer committed, has it.
    void this.sync(response.callId);
    this.createEngine(response.callId);
    if (!withVideo) media.patch(response.callId, { videoEnabled: false });
    const capture = media.acquire(true, withVideo);
    // After the capture started: the offer is negotiated as sending what it captures.
    this.#connectPeers(response.callId, response.participants, deps.selfId);
    await capture;
  }

  async hangUp(): Promise<void> {
    const { deps } = this.#parts;
    const call = deps.store.getState().call.current;
    if (!call) return;
    this.finish(call);
    try {
      await deps.api.endCall(call.callId);
    } catch (error) {
      if (!(error instanceof ApiRequestError && error.code === 'conflict')) {
        toast(this.#parts.ctx, 'warning', `The server did not confirm the hang-up: ${errorMessage(error)}`);
      }
    }
    deps.onCallSettled?.();
  }

  /**
   * On start-up and after a reload: takes back the call this user is in (re-answering moves the server's
   * signaling to this device and tells the peers to reconnect), or shows the call still ringing.
   */
  async resumeActiveCall(): Promise<void> {
    const { deps, media } = this.#parts;
    let call: CallDto | null;
    try {
      ({ call } = await deps.api.activeCall());
    } catch (error) {
      console.warn(`calls: could not look for an active call (${errorMessage(error)})`);
      return;
    }
    if (!call || deps.store.getState().call.current) return;
    const me = call.participants.find((p) => p.userId === deps.selfId);
    if (!me) return;
    if (me.status === 'invited' || me.status === 'ringing') {
      dispatchCall(this.#parts.ctx, { type: 'incoming-received', event: { ...call, callId: call.id } });
      return;
    }
    if (me.status !== 'joined') return;
    // A screen share cannot resume without a user gesture; the peers are told it stopped.
    const local: MediaState = { ...me.mediaState, screenSharing: false };
    const direction = call.initiatedBy === deps.selfId ? 'outgoing' : 'incoming';
    dispatchCall(this.#parts.ctx, {
      type: 'call-entered',
      snapshot: toSnapshot(call),
      direction,
      title: titleOfCall(call.participants, deps.selfId),
      phase: call.status === 'active' ? 'joining' : 'ringing',
      local,
    });
    if (me.mediaState.screenSharing) media.patch(call.id, { screenSharing: false });
    // Answering moves signaling to this device and makes peers reconnect; the caller of a call still ringing
    // must not answer (that would start the call with nobody else in it): its device id did not change.
    await this.join(call.id, local, call.status === 'active' ? this.answerOnServer(call.id) : null);
  }

  /**
   * Extra: joins a group call already in progress (from the banner), also one I declined, missed or left:
   * answering it is what joins, as for an invitee.
   */
  async joinCall(callId: string, title: string): Promise<void> {
    const { deps } = this.#parts;
    if (deps.store.getState().call.current) {
      toast(this.#parts.ctx, 'warning', HANG_UP_FIRST);
      return;
    }
    let call: CallDto;
    try {
      ({ call } = await deps.api.getCall(callId));
    } catch (error) {
      toast(this.#parts.ctx, 'error', `Could not join the call: ${errorMessage(error)}`);
      return;
    }
    const local: MediaState = {
      audioEnabled: true,
      videoEnabled: call.type !== 'audio',
      screenSharing: false,
    };
    dispatchCall(this.#parts.ctx, {
      type: 'call-entered',
      snapshot: toSnapshot(call),
      direction: call.initiatedBy === deps.selfId ? 'outgoing' : 'incoming',
      title,
      phase: 'joining',
      local,
    });
    await this.join(callId, local, this.answerOnServer(callId));
  }

  async callBack(callId: string): Promise<void> {
    const { deps } = this.#parts;
    try {
      const { call } = await deps.api.getCall(callId);
      const title = titleOfCall(call.participants, deps.selfId);
      await this.startCall(call.conversationId, call.type === 'audio' ? 'audio' : 'video', title);
    } catch (error) {
      toast(this.#parts.ctx, 'error', `Could not call back: ${errorMessage(error)}`);
    }
  }

  /** POST /answer. This client never offers first to the caller (see the top): its offer need not wait. */
  answerOnServer(callId: string): Promise<AnswerCallResponse> {
    const { deps } = this.#parts;
    return deps.api.answerCall(callId, { deviceId: deps.deviceId, awaitsOffer: true });
  }

  /**
   * What joining starts before the call is on screen: the connection made while ringing starts sending (or a
   * new one is made), and the devices open. Returns the capture, for `join`.
   */
  startSending(
    callId: string,
    local: MediaState,
    answered: Promise<AnswerCallResponse> | null,
  ): Promise<MediaStream> | null {
    const { host, media } = this.#parts;
    const preconnected = host.engineOf(callId);
    // Instant answer: the connection made while ringing starts sending at once, without a new offer.
    if (preconnected) preconnected.releaseOutgoing();
    else this.createEngine(callId, answered ?? undefined);
    return media.capture(local.audioEnabled, local.videoEnabled);
  }

  /**
   * With the call's answer (see answerOnServer) under way, or none when re-entering a call still ringing that
   * this client started: connects to those in it it should offer to (see the top). `capture`: see
   * startSending, when it ran before the call was on screen.
   */
  async join(
    callId: string,
    local: MediaState,
    answered: Promise<AnswerCallResponse> | null,
    capture = this.startSending(callId, local, answered),
  ): Promise<void> {
    const { deps, host, media } = this.#parts;
    // What the engine saw while the call was not on screen (a ring's connection, a failed capture).
    host.showWhatHappenedWhileRinging();
    const acquired = media.acquire(local.audioEnabled, local.videoEnabled, capture);
    // Those known to be in the call are connected at once, while the server records the answer and the
    // devices open: the connection is created, offered and gathering meanwhile, and what it says goes out
    // once the answer is in (see createSignalingPort). The fresh snapshot below then adds anyone who joined
    // meanwhile; connectToPeer ignores a peer it already has a connection to.
    const call = currentCall(this.#parts.ctx, callId);
    if (call) this.#connectPeers(callId, othersOf(call), call.initiatedBy);
    const [outcome] = await Promise.allSettled([answered, acquired]);
    if (outcome.status === 'rejected') {
      const call = currentCall(this.#parts.ctx, callId);
      if (call) this.finish(call);
      toast(this.#parts.ctx, 'error', `Could not join the call: ${errorMessage(outcome.reason)}`);
      return;
    }
    // The answer says so too, in case its call:recording came before this client knew the call.
    const recording = outcome.value?.recording;
    const entered = currentCall(this.#parts.ctx, callId);
    if (recording?.state === 'recording' && entered && entered.recording?.state !== 'recording') {
      dispatchCall(this.#parts.ctx, {
        type: 'recording-changed',
        callId,
        recording: recordingStatusOf(recording)!,
      });
      toast(this.#parts.ctx, 'info', recordingNotice(entered, recording.startedBy, deps.selfId));
    }
    if (!local.audioEnabled) host.engine?.toggleAudio(false);
    if (!local.videoEnabled) media.patch(callId, { videoEnabled: false });
    const snapshot = await this.sync(callId);
    if (snapshot) this.#connectPeers(callId, snapshot.participants, snapshot.initiatedBy);
  }

  /** Refreshes the current call from the server; null when it failed or the call is gone. */
  async sync(callId: string): Promise<CallSnapshot | null> {
    const { deps } = this.#parts;
    try {
      const { call } = await deps.api.getCall(callId);
      const snapshot = toSnapshot(call);
      dispatchCall(this.#parts.ctx, { type: 'call-synced', snapshot });
      return snapshot;
    } catch (error) {
      console.warn(`calls: could not refresh call state (${errorMessage(error)})`);
      return null;
    }
  }

  /**
   * Leaves the call locally: media off, state cleared, the call written to the local history. An engine of
   * another call stays: the connection this device made to a call ringing here while its own call started
   * (glare), which answering that call goes on with.
   */
  finish(call: CurrentCall, reason?: EndReason): void {
    const { host } = this.#parts;
    if (host.engine === null || host.engineOf(call.callId)) host.teardown();
    host.forgetSignals(call.callId);
    dispatchCall(this.#parts.ctx, { type: 'call-finished', callId: call.callId });
    recordCall(this.#parts, { kind: 'left', call, reason });
  }

  /** `answered` and `held`: see EngineHost.create. */
  createEngine(callId: string, answered?: Promise<unknown>, held?: { audio: boolean; video: boolean }): void {
    this.#parts.host.create(callId, answered, held);
    this.#parts.media.engineCreated();
  }

  /**
   * The offers this client makes (see the top): the initiator to everyone joined and, in a 1:1 call, to the
   * callee still ringing; anyone else to those joined except the initiator, who offers to them.
   */
  #connectPeers(
    callId: string,
    participants: readonly { userId: string; status: string }[],
    initiatedBy: string,
  ): void {
    const engine = this.#parts.host.engineOf(callId);
    if (!engine) return;
    const { selfId } = this.#parts.deps;
    const others = participants.filter((p) => p.userId !== selfId);
    const initiator = initiatedBy === selfId;
    for (const p of others) {
      const ringing = p.status === 'invited' || p.status === 'ringing';
      if (p.status === 'joined' && (initiator || p.userId !== initiatedBy)) engine.connectToPeer(p.userId);
      else if (ringing && initiator && others.length === 1) engine.connectToPeer(p.userId, { ringing: true });
    }
  }
}

function toSnapshot(call: CallDto): CallSnapshot {
  return {
    callId: call.id,
    conversationId: call.conversationId,
    type: call.type,
    initiatedBy: call.initiatedBy,
    startedAt: call.startedAt,
    participants: call.participants,
    recording: call.recording,
  };
}

/** The call's title from the server's participant list: the names of the others. */
function titleOfCall(participants: readonly { userId: string; userName: string }[], selfId: string): string {
  return titleOf(participants.filter((p) => p.userId !== selfId).map((p) => p.userName));
}
