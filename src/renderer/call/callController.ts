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
import type { DesktopApi, HistoryEntry } from '../../shared/desktopApi.ts';
import type {
  CallDto,
  CallEndedEvent,
  EndReason,
  InitiableCallType,
  MediaState,
  UpdateMediaRequest,
} from '../../shared/protocol/index.ts';
import type { SignalingClient } from '../signaling/socketClient.ts';
import type { RestClient } from '../signaling/restClient.ts';
import { ApiRequestError, errorMessage } from '../signaling/restClient.ts';
import { createSignalingPort } from '../signaling/signalingPort.ts';
import type { AppStore } from '../store/appStore.ts';
import { recordingStatusOf } from '../store/call.reducer.ts';
import type { CallAction, CallSnapshot, CurrentCall, IncomingCall } from '../store/call.reducer.ts';
import { CallEngineError } from '../webrtc/index.ts';
import type {
  CallEngine,
  CallEngineErrorEvent,
  CallEngineOptions,
  IceServersInfo,
  PeerState,
  RemoteTileView,
} from '../webrtc/index.ts';
import { nextSpeaker, noSpeaker } from './activeSpeaker.ts';
import { IceServerPrefetch } from './iceServerPrefetch.ts';
import type { SpeakerState } from './activeSpeaker.ts';
import { mediaProblemOf, peerProblemText, RELAY_PROBLEM_TEXT } from './mediaErrors.ts';
import { PausedVideoPeers } from './pausedVideoPeers.ts';
import { LOCAL_MEDIA, LOCAL_SCREEN } from './mediaRegistry.ts';
import type { MediaRegistry } from './mediaRegistry.ts';
import { presenceOf, samePresence } from './presence.ts';

export type EngineFactory = (options: CallEngineOptions) => CallEngine;

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

type SignalEvent =
  | { kind: 'offer'; event: Parameters<CallEngine['handleOffer']>[0] }
  | { kind: 'answer'; event: Parameters<CallEngine['handleAnswer']>[0] }
  | { kind: 'ice'; event: Parameters<CallEngine['handleIceCandidate']>[0] }
  | { kind: 'topology'; event: Parameters<CallEngine['useTopology']>[0] & { callId: string } }
  | { kind: 'sfu-offer'; event: Parameters<CallEngine['handleSfuOffer']>[0] };

/** Signaling that arrives before this client's engine exists (a peer re-offers while we reload) waits here. */
const MAX_PENDING_SIGNALS = 200;
/** Engine errors of a device that rings, kept for the call's screen; a few say all there is to say. */
const MAX_HELD_ENGINE_ERRORS = 20;

const END_TEXT: Record<EndReason, (title: string) => string> = {
  'ended-by-user': (title) => `Call with ${title} ended`,
  rejected: (title) => `${title} declined the call`,
  missed: (title) => `No answer from ${title}`,
  cancelled: (title) => `${title} cancelled the call`,
  'connection-failed': (title) => `The call with ${title} failed: no connection could be established`,
  'server-shutdown': () => 'The server ended the call',
  'media-server-failed': (title) => `The call with ${title} ended: the media server failed`,
};

export class CallController {
  readonly #deps: CallControllerDeps;
  readonly #now: () => number;
  readonly #iceServers: IceServerPrefetch;
  #engine: CallEngine | null = null;
  #engineCallId: string | null = null;
  #engineSubscriptions: (() => void)[] = [];
  #pendingSignals = new Map<string, SignalEvent[]>();
  #speaker: SpeakerState = noSpeaker;
  /** What the engine of a device that rings reported before the call was entered, shown once it is. */
  #whileRinging: { states: Map<string, PeerState>; errors: CallEngineErrorEvent[] } = {
    states: new Map(),
    errors: [],
  };
  /** The server was told this device sends no media (it could get none); undone once it gets some. */
  #toldNoMedia = false;
  #starting = false;
  #subscriptions: (() => void)[] = [];

  constructor(deps: CallControllerDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#iceServers = new IceServerPrefetch(() => this.#fetchIceServers(), this.#now);
  }

  /** The live engine of the current call; exposed for the e2e tests' getStats probes. */
  get engine(): CallEngine | null {
    return this.#engine;
  }

  start(): void {
    const { signaling, store, desktop } = this.#deps;
    this.#subscriptions.push(
      signaling.on('call:incoming', (e) => {
        this.#iceServers.warm();
        this.#dispatch({ type: 'incoming-received', event: e });
        // The caller's offer may have outrun the ring (another server node relayed it).
        if (this.#pendingSignals.get(e.callId)?.some(isPreconnectOffer)) {
          this.#preconnect(e.callId);
        }
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
      signaling.on('call:recording', (e) => {
        const call = this.#current(e.callId);
        if (!call) return;
        const { state, byUserId, message } = e;
        this.#dispatch({
          type: 'recording-changed',
          callId: e.callId,
          recording: { state, byUserId, message },
        });
        if (message !== null) this.#toast('warning', message);
        else if (state === 'recording') this.#toast('info', this.#recordingNotice(call, byUserId));
        else this.#toast('info', 'Recording stopped');
      }),
      signaling.on('call:ended', (e) => this.#onEnded(e)),
      signaling.on('call:participant-joined', (e) => {
        const call = this.#current(e.callId);
        if (!call) return;
        this.#dispatch({ type: 'participant-joined', event: e });
        // On the media server nobody offers to anyone: the engine only learns whom to expect. On the mesh the
        // initiator's connection to the device that answered carries the call from now on (or is made now).
        if (this.#engine && this.#engineCallId === e.callId) {
          if (this.#engine.route.topology === 'sfu') this.#engine.connectToPeer(e.userId);
          else if (call.initiatedBy === this.#deps.selfId) this.#engine.peerAnswered(e.userId, e.deviceId);
        }
        // In a 1:1 call the picture appearing says it; in a group the others want to know who came.
        if (call.participants.length > 1) this.#toast('info', `${e.userName} joined`);
        // The joined event carries no start time; the call's snapshot does.
        if (call.startedAt === null) void this.#sync(e.callId);
      }),
      signaling.on('call:participant-left', (e) => {
        const call = this.#current(e.callId);
        if (!call) return;
        this.#engine?.removePeer(e.userId);
        this.#deps.media.set(e.userId, null);
        this.#dispatch({ type: 'participant-status', callId: e.callId, userIds: [e.userId], status: 'left' });
        this.#toast('info', `${this.#nameOf(call, e.userId)} left`);
      }),
      signaling.on('call:participant-rejected', (e) => {
        const call = this.#current(e.callId);
        if (!call) return;
        this.#dispatch({
          type: 'participant-status',
          callId: e.callId,
          userIds: [e.userId],
          status: 'rejected',
        });
        // In a 1:1 call the call:ended that follows says it; in a group the call goes on and this is the news.
        if (call.participants.length > 1) this.#toast('info', `${this.#nameOf(call, e.userId)} declined`);
      }),
      signaling.on('call:participants-missed', (e) => {
        const incoming = store.getState().call.incoming;
        if (incoming?.callId === e.callId && e.userIds.includes(this.#deps.selfId))
          this.#announceMissed(incoming);
        const call = this.#current(e.callId);
        if (!call) return;
        this.#dispatch({
          type: 'participant-status',
          callId: e.callId,
          userIds: e.userIds,
          status: 'missed',
        });
        if (call.participants.length > 1) {
          const names = e.userIds
            .filter((id) => id !== this.#deps.selfId)
            .map((id) => this.#nameOf(call, id));
          if (names.length > 0) this.#toast('info', `${names.join(', ')} did not answer`);
        }
      }),
      signaling.on('call:media-state-changed', (e) =>
        this.#dispatch({ type: 'media-state-changed', event: e }),
      ),
      signaling.on('call:handled-elsewhere', (e) => {
        if (store.getState().call.incoming?.callId !== e.callId) return;
        this.#dispatch({ type: 'incoming-cleared', callId: e.callId });
        this.#dropPreconnection(e.callId);
        this.#toast(
          'info',
          e.action === 'answered' ? 'Answered on another device' : 'Declined on another device',
        );
      }),
      signaling.on('call:participant-reconnected', (e) => {
        if (this.#engineCallId !== e.callId || e.userId === this.#deps.selfId) return;
        this.#engine?.resetPeer(e.userId);
        // On a mesh their old stream died with the connection. Through the media server it lives on until
        // the room's next offer replaces it (a socket reconnect alone changes nothing there).
        if (this.#engine?.route.topology !== 'sfu') this.#deps.media.set(e.userId, null);
      }),
    );

    // Presence follows the store: whatever changes the call state also updates tray, badge and title.
    let presence = presenceOf(store.getState().call);
    void desktop.setCallPresence(presence);
    this.#subscriptions.push(
      store.subscribe((state, prev) => {
        if (state.call === prev.call) return;
        const next = presenceOf(state.call);
        if (samePresence(next, presence)) return;
        presence = next;
        void desktop.setCallPresence(next);
      }),
    );
  }

  dispose(): void {
    for (const unsubscribe of this.#subscriptions.splice(0)) unsubscribe();
    this.#teardownEngine();
    void this.#deps.desktop.setCallPresence({ state: 'idle' });
  }

  // ---------------------------------------------------------------------------------------------------------
  // User actions
  // ---------------------------------------------------------------------------------------------------------

  async startCall(conversationId: string, type: InitiableCallType, title: string): Promise<void> {
    if (this.#deps.store.getState().call.current || this.#starting) {
      this.#toast('warning', 'Hang up the current call first');
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
      selfId: this.#deps.selfId,
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
    if (!withVideo) this.#patchMedia(response.callId, { videoEnabled: false });
    const media = this.#acquireMedia(true, withVideo);
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
      type: 'call-entered',
      snapshot: { ...incoming, startedAt: null },
      selfId: this.#deps.selfId,
      direction: 'incoming',
      title: this.#titleOf(incoming.participants, caller),
      phase: 'joining',
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
    void this.#deps.desktop.recordCall({
      callId: incoming.callId,
      direction: 'incoming',
      type: incoming.type,
      participants: this.#others(incoming.participants),
      startedAt: new Date(this.#now()).toISOString(),
      endedAt: new Date(this.#now()).toISOString(),
      durationSeconds: null,
      status: 'rejected',
      unseen: false,
    });
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
    const call = this.#deps.store.getState().call.current;
    if (!call) return;
    const audioEnabled = !call.local.audioEnabled;
    this.#engine?.toggleAudio(audioEnabled);
    this.#dispatch({ type: 'local-media-changed', patch: { audioEnabled } });
    this.#patchMedia(call.callId, { audioEnabled });
  }

  async toggleCamera(): Promise<void> {
    const call = this.#deps.store.getState().call.current;
    if (!call || !this.#engine) return;
    const videoEnabled = !call.local.videoEnabled;
    this.#dispatch({ type: 'local-media-changed', patch: { videoEnabled } });
    try {
      await this.#engine.toggleVideo(videoEnabled);
    } catch (error) {
      // The engine's 'error' event already put the camera problem on screen.
      this.#dispatch({ type: 'local-media-changed', patch: { videoEnabled: !videoEnabled } });
      this.#reportUnlessEmitted('The camera could not be turned on', error);
      return;
    }
    this.#patchMedia(call.callId, { videoEnabled });
  }

  /**
   * The engine's 'screen-share' event reports the outcome (also a share stopped from the browser's own bar)
   * and its 'error' event a failure or a cancelled picker.
   */
  async toggleScreenShare(): Promise<void> {
    const call = this.#deps.store.getState().call.current;
    if (!call || !this.#engine) return;
    try {
      if (call.local.screenSharing) await this.#engine.stopScreenShare();
      else await this.#engine.startScreenShare();
    } catch (error) {
      this.#reportUnlessEmitted('Screen sharing failed', error);
    }
  }

  async switchDevice(kind: 'microphone' | 'camera', deviceId: string): Promise<void> {
    if (!this.#engine) return;
    try {
      await this.#engine.switchDevice(kind, deviceId);
    } catch (error) {
      this.#reportUnlessEmitted(`Could not switch the ${kind}`, error);
    }
  }

  /** After a camera/microphone failure: ask again, optionally without the camera. */
  async retryMedia(audioOnly: boolean): Promise<void> {
    const call = this.#deps.store.getState().call.current;
    if (!call) return;
    this.#dispatch({ type: 'media-problem', problem: null });
    const video = !audioOnly && call.local.videoEnabled;
    if (!video && call.local.videoEnabled) {
      this.#dispatch({ type: 'local-media-changed', patch: { videoEnabled: false } });
      this.#patchMedia(call.callId, { videoEnabled: false });
    }
    await this.#acquireMedia(true, video);
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
      selfId: this.#deps.selfId,
      direction,
      title: this.#titleOf(call.participants),
      phase: call.status === 'active' ? 'joining' : 'ringing',
      local,
    });
    if (me.mediaState.screenSharing) this.#patchMedia(call.id, { screenSharing: false });
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
      this.#toast('warning', 'Hang up the current call first');
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
      selfId: this.#deps.selfId,
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
    const preconnected = this.#engine !== null && this.#engineCallId === callId;
    // Instant answer: the connection made while ringing starts sending at once, without a new offer.
    if (preconnected) {
      this.#engine?.releaseOutgoing();
      this.#showWhatHappenedWhileRinging();
    } else {
      this.#createEngine(callId, answered ?? undefined);
    }
    const media = this.#acquireMedia(local.audioEnabled, local.videoEnabled);
    // Those known to be in the call are connected at once, while the server records the answer and the
    // devices open: the connection is created, offered and gathering meanwhile, and what it says goes out
    // once the answer is in (see createSignalingPort). The fresh snapshot below then adds anyone who joined
    // meanwhile; connectToPeer ignores a peer it already has a connection to.
    const call = this.#current(callId);
    if (call) this.#connectPeers(callId, call.participants, call.initiatedBy);
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
      this.#toast('info', this.#recordingNotice(entered, recording.startedBy));
    }
    if (!local.audioEnabled) this.#engine?.toggleAudio(false);
    if (!local.videoEnabled) this.#patchMedia(callId, { videoEnabled: false });
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
    const engine = this.#engine;
    if (!engine || this.#engineCallId !== callId) return;
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

  /** The connection is up already (or failed, or the relay refused us): the call's screen says so at once. */
  #showWhatHappenedWhileRinging(): void {
    const { states, errors } = this.#whileRinging;
    this.#whileRinging = { states: new Map(), errors: [] };
    for (const [userId, state] of states) this.#dispatch({ type: 'peer-state-changed', userId, state });
    for (const error of errors) this.#onEngineError(error);
  }

  /** Answered elsewhere, declined, missed or cancelled: the connection made while ringing goes. */
  #dropPreconnection(callId: string): void {
    if (this.#engineCallId === callId && !this.#current(callId)) this.#teardownEngine();
  }

  /**
   * Glare: I am calling someone in a conversation whose call to me arrives at the same moment. Both clients
   * keep the call with the smaller id, so they end up in the same call without asking anyone: the side whose
   * own call lost cancels it and answers the other one; the winner hides the losing call's ring.
   * Resolves true when it moved this client into the other call.
   */
  async #resolveGlare(): Promise<boolean> {
    const { current, incoming } = this.#deps.store.getState().call;
    if (!current || !incoming || current.direction !== 'outgoing' || current.phase !== 'ringing')
      return false;
    // Two people starting a 1:1 conversation at once can each create one, so 1:1 calls match by person.
    const sameConversation = current.conversationId === incoming.conversationId;
    const samePerson =
      current.participants.length === 1 &&
      current.participants[0]?.userId === incoming.initiatedBy &&
      incoming.participants.length === 2;
    if (!sameConversation && !samePerson) return false;
    if (current.callId < incoming.callId) {
      this.#dispatch({ type: 'incoming-cleared', callId: incoming.callId });
      this.#dropPreconnection(incoming.callId);
      return false;
    }
    await this.answer(current.local.videoEnabled);
    return true;
  }

  async #acquireMedia(audio: boolean, video: boolean): Promise<void> {
    const engine = this.#engine;
    if (!engine) return;
    const settings = this.#deps.store.getState().settings;
    try {
      await engine.initializeLocalStream(audio, video, {
        microphoneId: settings?.preferredMicrophoneId ?? null,
        cameraId: settings?.preferredCameraId ?? null,
      });
      const call = this.#deps.store.getState().call.current;
      // Back from having no media: the others see what I send again.
      if (call && this.#toldNoMedia)
        this.#patchMedia(call.callId, { audioEnabled: audio, videoEnabled: video });
      this.#toldNoMedia = false;
      this.#dispatch({ type: 'media-problem', problem: null });
    } catch (error) {
      const call = this.#deps.store.getState().call.current;
      if (this.#engine === engine && call) {
        this.#dispatch({ type: 'media-problem', problem: mediaProblemOf(error) });
        // The others show me as present without media (not as connecting) while I have none.
        this.#patchMedia(call.callId, { audioEnabled: false, videoEnabled: false });
        this.#toldNoMedia = true;
      }
    }
    this.#deps.refreshDevices?.();
  }

  /** Refreshes the current call from the server; null when it failed or the call is gone. */
  async #sync(callId: string): Promise<CallSnapshot | null> {
    try {
      const { call } = await this.#deps.api.getCall(callId);
      const snapshot = toSnapshot(call);
      this.#dispatch({ type: 'call-synced', snapshot, selfId: this.#deps.selfId });
      return snapshot;
    } catch (error) {
      console.warn(`calls: could not refresh call state (${errorMessage(error)})`);
      return null;
    }
  }

  #onSignal(signal: SignalEvent): void {
    const { callId } = signal.event;
    if (this.#engine && this.#engineCallId === callId) {
      void this.#deliver(this.#engine, signal);
      return;
    }
    const queue = this.#pendingSignals.get(callId) ?? [];
    if (queue.length >= MAX_PENDING_SIGNALS) return;
    queue.push(signal);
    this.#pendingSignals.set(callId, queue);
    // Only a caller that takes an answer per ringing device gets one before the user picks up (OfferPayload).
    if (isPreconnectOffer(signal)) this.#preconnect(callId);
  }

  async #deliver(engine: CallEngine, signal: SignalEvent): Promise<void> {
    try {
      if (signal.kind === 'offer') await engine.handleOffer(signal.event);
      else if (signal.kind === 'answer') await engine.handleAnswer(signal.event);
      else if (signal.kind === 'ice') await engine.handleIceCandidate(signal.event);
      else if (signal.kind === 'topology') engine.useTopology(signal.event);
      else await engine.handleSfuOffer(signal.event);
    } catch (error) {
      console.warn(`calls: ${signal.kind} from a peer could not be applied (${errorMessage(error)})`);
    }
  }

  #onEnded(e: CallEndedEvent): void {
    const state = this.#deps.store.getState().call;
    if (state.incoming?.callId === e.callId) {
      if (e.reason === 'missed' || e.reason === 'cancelled') this.#announceMissed(state.incoming);
      else this.#dispatch({ type: 'incoming-cleared', callId: e.callId });
    }
    this.#dropPreconnection(e.callId);
    this.#pendingSignals.delete(e.callId);
    const call = this.#current(e.callId);
    if (call) {
      this.#finish(call, e.reason);
      const failed = e.reason === 'connection-failed' || e.reason === 'media-server-failed';
      this.#toast(failed ? 'error' : 'info', END_TEXT[e.reason](call.title));
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
    this.#toast('warning', `Missed ${type} call from ${incoming.callerName}`);
    const at = new Date(this.#now()).toISOString();
    void this.#deps.desktop.recordCall({
      callId,
      direction: 'incoming',
      type,
      participants: this.#others(incoming.participants),
      startedAt: at,
      endedAt: at,
      durationSeconds: null,
      status: 'missed',
      unseen: true,
    });
  }

  /** Leaves the call locally: media off, state cleared, the call written to the local history. */
  #finish(call: CurrentCall, reason?: EndReason): void {
    this.#teardownEngine();
    this.#pendingSignals.delete(call.callId);
    this.#dispatch({ type: 'call-finished', callId: call.callId });
    void this.#deps.desktop.recordCall(this.#historyEntryOf(call, reason));
  }

  #historyEntryOf(call: CurrentCall, reason?: EndReason): HistoryEntry {
    const endedAt = this.#now();
    const started = call.startedAt === null ? null : Date.parse(call.startedAt);
    const status =
      reason === 'connection-failed' || reason === 'media-server-failed'
        ? 'failed'
        : reason === 'rejected'
          ? 'rejected'
          : started
            ? 'answered'
            : 'missed';
    return {
      callId: call.callId,
      direction: call.direction,
      type: call.type,
      participants: call.participants
        .slice(0, 20)
        .map((p) => ({ userId: p.userId, name: p.name.slice(0, 200) })),
      startedAt: new Date(started ?? endedAt).toISOString(),
      endedAt: new Date(endedAt).toISOString(),
      durationSeconds: started === null ? null : Math.max(0, Math.round((endedAt - started) / 1000)),
      status,
      unseen: false,
    };
  }

  /**
   * `answered`: the pending answer of this call, which the engine's signaling waits for (see #join).
   * `held`: a ringing device's engine, which sends nothing until answered (see #preconnect).
   */
  #createEngine(
    callId: string,
    answered?: Promise<unknown>,
    held?: { audio: boolean; video: boolean },
  ): void {
    this.#teardownEngine();
    const { signaling, media, selfId } = this.#deps;
    let firstFetch = true;
    const engine = this.#deps.createEngine({
      callId,
      selfUserId: selfId,
      signaling: createSignalingPort(signaling, answered),
      // The first fetch of a call is the one prefetched when it started ringing or was placed.
      fetchIceServers: () => {
        if (!firstFetch) return this.#fetchIceServers();
        firstFetch = false;
        return this.#iceServers.take();
      },
      ...(this.#deps.iceTransportPolicy ? { iceTransportPolicy: this.#deps.iceTransportPolicy } : {}),
      onQualityReport: (samples) => {
        // A device that rings is connected but not in the call yet: it has nothing to report.
        if (samples.length === 0 || !this.#current(callId)) return;
        void signaling.send('call:quality-report', { callId, samples }).then((ack) => {
          if (!ack.ok) console.warn(`calls: quality report refused (${ack.error.message})`);
        });
      },
    });
    const pausedToward = new PausedVideoPeers();
    this.#engine = engine;
    this.#engineCallId = callId;
    this.#speaker = noSpeaker;
    this.#toldNoMedia = false;
    this.#installDebugHook();
    this.#engineSubscriptions = [
      engine.on('local-stream', (stream) => media.set(LOCAL_MEDIA, stream)),
      engine.on('remote-stream', (userId, stream) => media.set(userId, stream)),
      engine.on('peer-state', (userId, state) => {
        if (this.#current(callId)) this.#dispatch({ type: 'peer-state-changed', userId, state });
        else this.#whileRinging.states.set(userId, state);
      }),
      engine.on('quality', (userId, sample) => {
        this.#dispatch({ type: 'quality-sampled', userId, sample });
        const videoPausedFor = pausedToward.sampled(userId, sample.videoPaused === true);
        if (videoPausedFor && this.#current(callId)) this.#patchMedia(callId, { videoPausedFor });
      }),
      engine.on('audio-level', (levels) => {
        this.#deps.onAudioLevels?.(levels);
        const next = nextSpeaker(this.#speaker, levels, this.#now());
        if (next.speakerId !== this.#speaker.speakerId) {
          this.#dispatch({ type: 'active-speaker-changed', userId: next.speakerId });
          // The speaker's tile earns a sharper layer from the media server (never our own id: not a tile).
          engine.setActiveSpeaker(next.speakerId === selfId ? null : next.speakerId);
        }
        this.#speaker = next;
      }),
      engine.on('screen-share', (active) => {
        media.set(LOCAL_SCREEN, active ? engine.screenStream : null);
        this.#dispatch({ type: 'local-media-changed', patch: { screenSharing: active } });
        this.#patchMedia(callId, { screenSharing: active });
      }),
      engine.on('error', (e) => {
        if (this.#current(callId)) this.#onEngineError(e);
        else if (this.#whileRinging.errors.length < MAX_HELD_ENGINE_ERRORS) this.#whileRinging.errors.push(e);
      }),
    ];
    if (held) engine.holdOutgoing(held);
    const pending = this.#pendingSignals.get(callId) ?? [];
    this.#pendingSignals.delete(callId);
    for (const signal of pending) void this.#deliver(engine, signal);
  }

  async #fetchIceServers(): Promise<IceServersInfo> {
    const turn = await this.#deps.api.turnCredentials();
    return {
      iceServers: turn.iceServers.map((s) => ({
        urls: s.urls,
        username: s.username,
        credential: s.credential,
      })),
      expiresAt: turn.expiresAt === null ? null : new Date(turn.expiresAt),
    };
  }

  #onEngineError(e: CallEngineErrorEvent): void {
    const call = this.#deps.store.getState().call.current;
    switch (e.kind) {
      case 'media-denied':
      case 'media-unavailable':
        this.#dispatch({ type: 'media-problem', problem: { kind: e.kind, message: e.message } });
        return;
      case 'ice-failed':
      case 'connection-lost':
        if (e.userId && call) {
          const message = peerProblemText(e.kind, this.#nameOf(call, e.userId));
          this.#dispatch({ type: 'peer-problem', userId: e.userId, message });
        }
        return;
      case 'turn-expired':
      case 'turn-auth-failed':
        this.#dispatch({ type: 'relay-problem', kind: e.kind, message: RELAY_PROBLEM_TEXT[e.kind] });
        return;
      case 'screen-share-failed':
        this.#toast('warning', e.message);
        return;
    }
  }

  /** Engine failures arrive as 'error' events too; only other failures (e.g. a cleaned-up engine) are toasted here. */
  #reportUnlessEmitted(what: string, error: unknown): void {
    if (error instanceof CallEngineError) return;
    if (this.#engine) this.#toast('error', `${what}: ${errorMessage(error)}`);
  }

  /**
   * With `?debug=1` (window.__callDebug, see app/debug.ts) the e2e tests read per remote participant what
   * arrives (frame size, frames decoded), how (mesh or sfu) and the call's route: `__callDebug.media()`.
   */
  #installDebugHook(): void {
    const debug = (globalThis as { __callDebug?: object }).__callDebug;
    if (!debug) return;
    Object.defineProperty(debug, 'media', {
      configurable: true,
      value: () => this.#engine?.mediaSnapshot() ?? Promise.resolve(null),
    });
  }

  #teardownEngine(): void {
    this.#whileRinging = { states: new Map(), errors: [] };
    for (const unsubscribe of this.#engineSubscriptions.splice(0)) unsubscribe();
    this.#engine?.cleanup();
    this.#engine = null;
    this.#engineCallId = null;
    this.#speaker = noSpeaker;
    this.#deps.media.clear();
  }

  #patchMedia(callId: string, patch: UpdateMediaRequest): void {
    this.#deps.api.updateMedia(callId, patch).catch((error: unknown) => {
      if (this.#current(callId))
        this.#toast('warning', `Others may not see your change: ${errorMessage(error)}`);
    });
  }

  #current(callId: string): CurrentCall | null {
    const call = this.#deps.store.getState().call.current;
    return call?.callId === callId ? call : null;
  }

  #dispatch(action: CallAction): void {
    this.#deps.store.getState().dispatchCall(action);
  }

  #toast(tone: 'info' | 'success' | 'warning' | 'error', text: string): void {
    this.#deps.store.getState().toastShown(tone, text);
  }

  #recordingNotice(call: CurrentCall, userId: string | null): string {
    if (userId === this.#deps.selfId) return 'You are recording this call';
    return `${userId === null ? 'Someone' : this.#nameOf(call, userId)} is recording this call`;
  }

  #nameOf(call: CurrentCall, userId: string): string {
    return call.participants.find((p) => p.userId === userId)?.name ?? 'Someone';
  }

  #others(participants: readonly { userId: string; userName: string }[]): HistoryEntry['participants'] {
    return participants
      .filter((p) => p.userId !== this.#deps.selfId)
      .slice(0, 20)
      .map((p) => ({ userId: p.userId, name: p.userName.slice(0, 200) }));
  }

  #titleOf(participants: readonly { userId: string; userName: string }[], fallback = 'Call'): string {
    const names = this.#others(participants).map((p) => p.name);
    return names.length > 0 ? names.join(', ') : fallback;
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

/** Only a caller that takes an answer per ringing device is answered before the user picks up (OfferPayload). */
function isPreconnectOffer(signal: SignalEvent): boolean {
  return signal.kind === 'offer' && signal.event.preconnect === true;
}
