/**
 * Runs the call flow: REST for call state changes (initiate, answer, reject, end, media), the socket for
 * signaling and server events, the engine for media, the store for what the UI shows, and the DesktopApi for
 * presence, missed-call notices and local history.
 *
 * Who connects to whom, as the spec has it: the caller offers to the callee with the ring, and the callee
 * answers. Every ringing device of the callee takes that offer, connects, and sends nothing until the user
 * answers (instant answer: answering only starts the senders); the caller sends nothing to a callee until
 * they answered either. A callee never offers to the caller: one whose device got no offer while it rang
 * gets it once it answered (call:participant-joined names the device). In a group call the initiator offers
 * to each participant who answers, and whoever joins offers to the other participants already in it. On
 * `call:participant-reconnected` both sides renegotiate from scratch (perfect negotiation settles the glare).
 *
 * Group calls: when the server moves the call to the media server (`call:topology` 'sfu', also sent after
 * the answer of a device that rejoins such a call) the engine publishes to the room and subscribes to it
 * (`call:sfu-offer`), handing each participant over from the mesh once the room delivers them.
 */
import type { DesktopApi } from '../../shared/desktopApi.ts';
import type {
  CallDto,
  CallEndedEvent,
  EndReason,
  InitiableCallType,
  MediaState,
} from '../../shared/protocol/index.ts';
import type { SignalingClient } from '../signaling/socketClient.ts';
import type { RestClient } from '../signaling/restClient.ts';
import { ApiRequestError, errorMessage } from '../signaling/restClient.ts';
import type { AppStore } from '../store/appStore.ts';
import { recordingStatusOf } from '../store/call.reducer.ts';
import type { CallAction, CallSnapshot, CurrentCall, IncomingCall } from '../store/call.reducer.ts';
import { othersOf } from '../store/callMembers.ts';
import type { CallEngine, RemoteTileView } from '../webrtc/index.ts';
import { historyEntryOf } from './callHistory.ts';
import type { CallOutcome } from './callHistory.ts';
import {
  endedInFailure,
  endedText,
  HANG_UP_FIRST,
  handledElsewhereText,
  missedCallText,
  recordingNotice,
  titleOf,
} from './callMessages.ts';
import type { CallContext, ToastTone } from './callContext.ts';
import { currentCall, dispatchCall, toast } from './callContext.ts';
import { EngineHost } from './engineHost.ts';
import { showEngineProblem } from './engineProblems.ts';
import { LocalMediaControl } from './localMediaControl.ts';
import { subscribeParticipantEvents } from './participantEvents.ts';
import type { EngineFactory } from './engineHost.ts';
import { glareDecision } from './glare.ts';
import { fetchIceServers, IceServerPrefetch } from './iceServerPrefetch.ts';
import type { MediaRegistry } from './mediaRegistry.ts';
import { syncPresence } from './presence.ts';
import type { SignalEvent } from './signalQueue.ts';

export type { EngineFactory } from './engineHost.ts';

export interface CallControllerDeps {
  store: AppStore;
  api: RestClient;
  signaling: SignalingClient;
  desktop: DesktopApi;
  media: MediaRegistry;
  createEngine: EngineFactory;
  deviceId: string;
  selfId: string;
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** Called after the device list may have changed (labels appear once media permission is granted). */
  refreshDevices?: () => void;
  /** Called once a call's outcome is final on the server (hung up, ended, declined, missed): history changed. */
  onCallSettled?: () => void;
  /** Extra: every audio-level sample of the current call (0..1 by user id, mine included). */
  onAudioLevels?: (levels: Readonly<Record<string, number>>) => void;
  now?: () => number;
}

export class CallController {
  readonly #deps: CallControllerDeps;
  readonly #now: () => number;
  readonly #iceServers: IceServerPrefetch;
  readonly #host: EngineHost;
  readonly #ctx: CallContext;
  readonly #media: LocalMediaControl;
  #starting = false;
  #subscriptions: (() => void)[] = [];

  constructor(deps: CallControllerDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#iceServers = new IceServerPrefetch(() => fetchIceServers(deps.api), this.#now);
    this.#host = new EngineHost({
      createEngine: deps.createEngine,
      signaling: deps.signaling,
      media: deps.media,
      selfId: deps.selfId,
      iceServers: this.#iceServers,
      iceTransportPolicy: deps.iceTransportPolicy,
      now: this.#now,
      inCall: (callId) => this.#current(callId) !== null,
      dispatch: (action) => this.#dispatch(action),
      onError: (e) => showEngineProblem(this.#ctx, e),
      onScreenShare: (callId, screenSharing) => {
        this.#dispatch({ type: 'local-media-changed', patch: { screenSharing } });
        this.#media.patch(callId, { screenSharing });
      },
      onVideoPausedFor: (callId, videoPausedFor) => this.#media.patch(callId, { videoPausedFor }),
      onAudioLevels: deps.onAudioLevels,
    });
    this.#ctx = { selfId: deps.selfId, store: deps.store, host: this.#host, media: deps.media };
    this.#media = new LocalMediaControl(this.#ctx, deps.api, deps.refreshDevices);
  }

  /** The live engine of the current call; exposed for the e2e tests' getStats probes. */
  get engine(): CallEngine | null {
    return this.#host.engine;
  }

  get #engine(): CallEngine | null {
    return this.#host.engine;
  }

  start(): void {
    const { signaling, store, desktop } = this.#deps;
    this.#subscriptions.push(
      signaling.on('call:incoming', (e) => {
        this.#iceServers.warm();
        this.#dispatch({ type: 'incoming-received', event: e });
        // The caller's offer may have outrun the ring (another server node relayed it).
        if (this.#host.hasHeldPreconnectOffer(e.callId)) this.#preconnect(e.callId);
        void this.#resolveGlare();
      }),
      signaling.on('call:offer', (e) => this.#onSignal({ kind: 'offer', event: e })),
      signaling.on('call:answer', (e) => this.#onSignal({ kind: 'answer', event: e })),
      signaling.on('call:ice-candidate', (e) => this.#onSignal({ kind: 'ice', event: e })),
      signaling.on('call:topology', (e) => {
        if (this.#current(e.callId)) {
          this.#dispatch({ type: 'topology-changed', callId: e.callId, topology: e.topology });
        }
        this.#onSignal({ kind: 'topology', event: e });
      }),
      signaling.on('call:sfu-offer', (e) => this.#onSignal({ kind: 'sfu-offer', event: e })),
      signaling.on('call:ended', (e) => this.#onEnded(e)),
      signaling.on('call:handled-elsewhere', (e) => {
        if (store.getState().call.incoming?.callId !== e.callId) return;
        this.#dispatch({ type: 'incoming-cleared', callId: e.callId });
        this.#dropPreconnection(e.callId);
        this.#toast('info', handledElsewhereText(e.action));
      }),
      ...subscribeParticipantEvents(signaling, this.#ctx, {
        sync: (callId) => void this.#sync(callId),
        announceMissed: (incoming) => this.#announceMissed(incoming),
      }),
    );

    this.#subscriptions.push(syncPresence(store, desktop));
  }

  dispose(): void {
    for (const unsubscribe of this.#subscriptions.splice(0)) unsubscribe();
    this.#host.teardown();
    void this.#deps.desktop.setCallPresence({ state: 'idle' });
  }

  // ---------------------------------------------------------------------------------------------------------
  // User actions
  // ---------------------------------------------------------------------------------------------------------

  async startCall(conversationId: string, type: InitiableCallType, title: string): Promise<void> {
    if (this.#deps.store.getState().call.current || this.#starting) {
      this.#toast('warning', HANG_UP_FIRST);
      return;
    }
    let response;
    this.#starting = true;
    this.#iceServers.warm();
    try {
      response = await this.#deps.api.initiateCall({ conversationId, type, deviceId: this.#deps.deviceId });
    } catch (error) {
      this.#toast('error', `Could not start the call: ${errorMessage(error)}`);
      return;
    } finally {
      this.#starting = false;
    }
    const withVideo = type === 'video';
    this.#dispatch({
      type: 'call-entered',
      snapshot: {
        callId: response.callId,
        conversationId,
        type,
        initiatedBy: this.#deps.selfId,
        startedAt: null,
        participants: response.participants,
      },
      direction: 'outgoing',
      title,
      phase: 'ringing',
      local: { audioEnabled: true, videoEnabled: withVideo, screenSharing: false },
    });
    if (await this.#resolveGlare()) return;
    // The callee may have answered before this client knew the call's id (a client resolving glare answers
    // the instant call:incoming arrives): its call:participant-joined was dropped as being for an unknown
    // call. The server's snapshot, read after that answer committed, has it.
    void this.#sync(response.callId);
    this.#createEngine(response.callId);
    if (!withVideo) this.#media.patch(response.callId, { videoEnabled: false });
    const media = this.#media.acquire(true, withVideo);
    // After the capture started: the offer is negotiated as sending what it captures.
    this.#connectPeers(response.callId, response.participants, this.#deps.selfId);
    await media;
  }

  async answer(withVideo: boolean): Promise<void> {
    const incoming = this.#deps.store.getState().call.incoming;
    if (!incoming) return;
    if (this.#deps.store.getState().call.current) await this.hangUp();
    const video = withVideo && incoming.type !== 'audio';
    const caller = incoming.callerName;
    this.#dispatch({
      type: 'incoming-answered',
      title: titleOf(
        othersOf(incoming).map((p) => p.name),
        caller,
      ),
      local: { audioEnabled: true, videoEnabled: video, screenSharing: false },
    });
    await this.#join(
      incoming.callId,
      { audioEnabled: true, videoEnabled: video, screenSharing: false },
      true,
    );
  }

  async decline(): Promise<void> {
    const incoming = this.#deps.store.getState().call.incoming;
    if (!incoming) return;
    this.#dispatch({ type: 'incoming-cleared', callId: incoming.callId });
    this.#dropPreconnection(incoming.callId);
    try {
      await this.#deps.api.rejectCall(incoming.callId);
    } catch (error) {
      // Declining a call that was cancelled meanwhile is no failure worth telling.
      if (!(error instanceof ApiRequestError && error.code === 'conflict')) {
        this.#toast('error', `Could not decline: ${errorMessage(error)}`);
      }
    }
    this.#deps.onCallSettled?.();
    this.#record({ kind: 'declined', incoming });
  }

  /** The initiator starts or stops recording the current call (the server refuses anyone else). */
  async toggleRecording(): Promise<void> {
    const call = this.#deps.store.getState().call.current;
    if (!call) return;
    const recording = call.recording?.state === 'recording';
    try {
      const { recording: now } = recording
        ? await this.#deps.api.stopRecording(call.callId)
        : await this.#deps.api.startRecording(call.callId);
      this.#dispatch({ type: 'recording-changed', callId: call.callId, recording: recordingStatusOf(now)! });
    } catch (error) {
      this.#toast('error', `Could not ${recording ? 'stop' : 'start'} recording: ${errorMessage(error)}`);
    }
  }

  async hangUp(): Promise<void> {
    const call = this.#deps.store.getState().call.current;
    if (!call) return;
    this.#finish(call);
    try {
      await this.#deps.api.endCall(call.callId);
    } catch (error) {
      if (!(error instanceof ApiRequestError && error.code === 'conflict')) {
        this.#toast('warning', `The server did not confirm the hang-up: ${errorMessage(error)}`);
      }
    }
    this.#deps.onCallSettled?.();
  }

  toggleMute(): void {
    this.#media.toggleMute();
  }

  toggleCamera(): Promise<void> {
    return this.#media.toggleCamera();
  }

  /** See LocalMediaControl.toggleScreenShare. */
  toggleScreenShare(): Promise<void> {
    return this.#media.toggleScreenShare();
  }

  switchDevice(kind: 'microphone' | 'camera', deviceId: string): Promise<void> {
    return this.#media.switchDevice(kind, deviceId);
  }

  /** After a camera/microphone failure: ask again, optionally without the camera. */
  retryMedia(audioOnly: boolean): Promise<void> {
    return this.#media.retry(audioOnly);
  }

  /**
   * The remote tiles as laid out now (CSS pixels; visible false or 0 x 0 for those off screen). On the media
   * server it decides which video each tile receives and at which resolution; on a mesh it changes nothing.
   * Report every remote participant: a participant never reported gets a thumbnail-sized picture.
   */
  setRemoteView(tiles: RemoteTileView[]): void {
    this.#engine?.setRemoteView(tiles);
  }

  /** A peer whose connection failed: start over with a fresh connection. */
  retryPeer(userId: string): void {
    this.#engine?.resetPeer(userId);
  }

  /**
   * On start-up and after a reload: takes back the call this user is in (re-answering moves the server's
   * signaling to this device and tells the peers to reconnect), or shows the call still ringing.
   */
  async resumeActiveCall(): Promise<void> {
    let call: CallDto | null;
    try {
      ({ call } = await this.#deps.api.activeCall());
    } catch (error) {
      console.warn(`calls: could not look for an active call (${errorMessage(error)})`);
      return;
    }
    if (!call || this.#deps.store.getState().call.current) return;
    const me = call.participants.find((p) => p.userId === this.#deps.selfId);
    if (!me) return;
    if (me.status === 'invited' || me.status === 'ringing') {
      this.#dispatch({ type: 'incoming-received', event: { ...call, callId: call.id } });
      return;
    }
    if (me.status !== 'joined') return;
    // A screen share cannot resume without a user gesture; the peers are told it stopped.
    const local: MediaState = { ...me.mediaState, screenSharing: false };
    const direction = call.initiatedBy === this.#deps.selfId ? 'outgoing' : 'incoming';
    this.#dispatch({
      type: 'call-entered',
      snapshot: toSnapshot(call),
      direction,
      title: this.#titleOf(call.participants),
      phase: call.status === 'active' ? 'joining' : 'ringing',
      local,
    });
    if (me.mediaState.screenSharing) this.#media.patch(call.id, { screenSharing: false });
    // Answering moves signaling to this device and makes peers reconnect; the caller of a call still ringing
    // must not answer (that would start the call with nobody else in it): its device id did not change.
    await this.#join(call.id, local, call.status === 'active');
  }

  /**
   * Extra: joins a group call already in progress (from the banner), also one I declined, missed or left:
   * answering it is what joins, as for an invitee.
   */
  async joinCall(callId: string, title: string): Promise<void> {
    if (this.#deps.store.getState().call.current) {
      this.#toast('warning', HANG_UP_FIRST);
      return;
    }
    let call: CallDto;
    try {
      ({ call } = await this.#deps.api.getCall(callId));
    } catch (error) {
      this.#toast('error', `Could not join the call: ${errorMessage(error)}`);
      return;
    }
    const local: MediaState = {
      audioEnabled: true,
      videoEnabled: call.type !== 'audio',
      screenSharing: false,
    };
    this.#dispatch({
      type: 'call-entered',
      snapshot: toSnapshot(call),
      direction: call.initiatedBy === this.#deps.selfId ? 'outgoing' : 'incoming',
      title,
      phase: 'joining',
      local,
    });
    await this.#join(callId, local, true);
  }

  async callBack(callId: string): Promise<void> {
    try {
      const { call } = await this.#deps.api.getCall(callId);
      const title = this.#titleOf(call.participants);
      await this.startCall(call.conversationId, call.type === 'audio' ? 'audio' : 'video', title);
    } catch (error) {
      this.#toast('error', `Could not call back: ${errorMessage(error)}`);
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Flow internals
  // ---------------------------------------------------------------------------------------------------------

  /** Answers (or re-answers) the call, then connects to those in it it should offer to (see the top). */
  async #join(callId: string, local: MediaState, answer: boolean): Promise<void> {
    const answered = answer ? this.#deps.api.answerCall(callId, { deviceId: this.#deps.deviceId }) : null;
    const preconnected = this.#host.engineOf(callId);
    // Instant answer: the connection made while ringing starts sending at once, without a new offer.
    if (preconnected) {
      preconnected.releaseOutgoing();
      this.#host.showWhatHappenedWhileRinging();
    } else {
      this.#createEngine(callId, answered ?? undefined);
    }
    const media = this.#media.acquire(local.audioEnabled, local.videoEnabled);
    // Those known to be in the call are connected at once, while the server records the answer and the
    // devices open: the connection is created, offered and gathering meanwhile, and what it says goes out
    // once the answer is in (see createSignalingPort). The fresh snapshot below then adds anyone who joined
    // meanwhile; connectToPeer ignores a peer it already has a connection to.
    const call = this.#current(callId);
    if (call) this.#connectPeers(callId, othersOf(call), call.initiatedBy);
    const [outcome] = await Promise.allSettled([answered, media]);
    if (outcome.status === 'rejected') {
      const call = this.#current(callId);
      if (call) this.#finish(call);
      this.#toast('error', `Could not join the call: ${errorMessage(outcome.reason)}`);
      return;
    }
    // The answer says so too, in case its call:recording came before this client knew the call.
    const recording = outcome.value?.recording;
    const entered = this.#current(callId);
    if (recording?.state === 'recording' && entered && entered.recording?.state !== 'recording') {
      this.#dispatch({ type: 'recording-changed', callId, recording: recordingStatusOf(recording)! });
      this.#toast('info', recordingNotice(entered, recording.startedBy, this.#deps.selfId));
    }
    if (!local.audioEnabled) this.#engine?.toggleAudio(false);
    if (!local.videoEnabled) this.#media.patch(callId, { videoEnabled: false });
    const snapshot = await this.#sync(callId);
    if (snapshot) this.#connectPeers(callId, snapshot.participants, snapshot.initiatedBy);
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
    const engine = this.#host.engineOf(callId);
    if (!engine) return;
    const { selfId } = this.#deps;
    const others = participants.filter((p) => p.userId !== selfId);
    const initiator = initiatedBy === selfId;
    for (const p of others) {
      const ringing = p.status === 'invited' || p.status === 'ringing';
      if (p.status === 'joined' && (initiator || p.userId !== initiatedBy)) engine.connectToPeer(p.userId);
      else if (ringing && initiator && others.length === 1) engine.connectToPeer(p.userId, { ringing: true });
    }
  }

  /**
   * The caller's offer reached this ringing device: it is answered and connected now, sending nothing until
   * the user answers (see #join). Not while in another call: the offer then waits for the answer.
   */
  #preconnect(callId: string): void {
    const { current, incoming } = this.#deps.store.getState().call;
    if (current || this.#engine || incoming?.callId !== callId) return;
    this.#createEngine(callId, undefined, { audio: true, video: incoming.type !== 'audio' });
  }

  /** Answered elsewhere, declined, missed or cancelled: the connection made while ringing goes. */
  #dropPreconnection(callId: string): void {
    if (this.#host.engineOf(callId) && !this.#current(callId)) this.#host.teardown();
  }

  /**
   * Glare (see glare.ts): resolves true when it moved this client into the other call, which it then answers;
   * the winner of the two calls hides the losing call's ring.
   */
  async #resolveGlare(): Promise<boolean> {
    const state = this.#deps.store.getState().call;
    const decision = glareDecision(state);
    if (decision === 'none' || !state.current) return false;
    if (decision === 'keep-mine') {
      const losing = state.incoming!.callId;
      this.#dispatch({ type: 'incoming-cleared', callId: losing });
      this.#dropPreconnection(losing);
      return false;
    }
    await this.answer(state.current.local.videoEnabled);
    return true;
  }

  /** Refreshes the current call from the server; null when it failed or the call is gone. */
  async #sync(callId: string): Promise<CallSnapshot | null> {
    try {
      const { call } = await this.#deps.api.getCall(callId);
      const snapshot = toSnapshot(call);
      this.#dispatch({ type: 'call-synced', snapshot });
      return snapshot;
    } catch (error) {
      console.warn(`calls: could not refresh call state (${errorMessage(error)})`);
      return null;
    }
  }

  #onSignal(signal: SignalEvent): void {
    if (this.#host.route(signal) === 'held-preconnect') this.#preconnect(signal.event.callId);
  }

  #onEnded(e: CallEndedEvent): void {
    const state = this.#deps.store.getState().call;
    if (state.incoming?.callId === e.callId) {
      if (e.reason === 'missed' || e.reason === 'cancelled') this.#announceMissed(state.incoming);
      else this.#dispatch({ type: 'incoming-cleared', callId: e.callId });
    }
    this.#dropPreconnection(e.callId);
    this.#host.forgetSignals(e.callId);
    const call = this.#current(e.callId);
    if (call) {
      this.#finish(call, e.reason);
      this.#toast(endedInFailure(e.reason) ? 'error' : 'info', endedText(e.reason, call.title));
    }
    this.#deps.onCallSettled?.();
  }

  /**
   * Stops the ring of a call I did not pick up and announces it: notification (desktop / browser), a notice in
   * the app, the local history. Clearing the ring first makes a second report of the same call a no-op.
   */
  #announceMissed(incoming: IncomingCall): void {
    const { callId, type } = incoming;
    this.#dispatch({ type: 'incoming-cleared', callId });
    this.#dropPreconnection(callId);
    void this.#deps.desktop.notifyMissedCall({ callId, callerName: incoming.callerName, type });
    this.#toast('warning', missedCallText(type, incoming.callerName));
    this.#record({ kind: 'missed', incoming });
  }

  /** Leaves the call locally: media off, state cleared, the call written to the local history. */
  #finish(call: CurrentCall, reason?: EndReason): void {
    this.#host.teardown();
    this.#host.forgetSignals(call.callId);
    this.#dispatch({ type: 'call-finished', callId: call.callId });
    this.#record({ kind: 'left', call, reason });
  }

  #record(outcome: CallOutcome): void {
    void this.#deps.desktop.recordCall(historyEntryOf(outcome, this.#now()));
  }

  /** `answered` and `held`: see EngineHost.create. */
  #createEngine(
    callId: string,
    answered?: Promise<unknown>,
    held?: { audio: boolean; video: boolean },
  ): void {
    this.#host.create(callId, answered, held);
    this.#media.engineCreated();
  }

  #current(callId: string): CurrentCall | null {
    return currentCall(this.#ctx, callId);
  }

  #dispatch(action: CallAction): void {
    dispatchCall(this.#ctx, action);
  }

  #toast(tone: ToastTone, text: string): void {
    toast(this.#ctx, tone, text);
  }

  #titleOf(participants: readonly { userId: string; userName: string }[], fallback?: string): string {
    const others = participants.filter((p) => p.userId !== this.#deps.selfId);
    return titleOf(
      others.map((p) => p.userName),
      fallback,
    );
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
