/**
 * The call layer's facade for the UI: builds the engine host, the ring flow (ringFlow.ts: incoming call,
 * instant answer, glare, decline, missed) and the join flow (joinFlow.ts: start, join, rejoin, hang up, who
 * offers to whom), routes the server's events to them (serverEventRoutes.ts) and keeps the small actions
 * that only pass a user's wish on (media toggles, recording, tiles).
 *
 * Group calls: when the server moves the call to the media server (`call:topology` 'sfu', also sent after
 * the answer of a device that rejoins such a call) the engine publishes to the room and subscribes to it
 * (`call:sfu-offer`), handing each participant over from the mesh once the room delivers them.
 */
import type { InitiableCallType } from '../../shared/protocol/index.ts';
import { errorMessage } from '../signaling/restClient.ts';
import { recordingStatusOf } from '../store/callRecording.ts';
import type { CallEngine, RemoteTileView } from '../webrtc/index.ts';
import type { CallContext } from './callContext.ts';
import { currentCall, dispatchCall, toast } from './callContext.ts';
import type { CallControllerDeps, CallFlowParts } from './callFlowParts.ts';
import { EngineHost } from './engineHost.ts';
import { showEngineProblem } from './engineProblems.ts';
import { fetchIceServers, IceServerPrefetch } from './iceServerPrefetch.ts';
import { JoinFlow } from './joinFlow.ts';
import { LocalMediaControl } from './localMediaControl.ts';
import { syncPresence } from './presence.ts';
import { RingFlow } from './ringFlow.ts';
import { routeServerEvents } from './serverEventRoutes.ts';

export type { EngineFactory } from './engineHost.ts';

export class CallController {
  readonly #deps: CallControllerDeps;
  readonly #host: EngineHost;
  readonly #ctx: CallContext;
  readonly #media: LocalMediaControl;
  readonly #parts: CallFlowParts;
  readonly #ring: RingFlow;
  readonly #join: JoinFlow;
  #subscriptions: (() => void)[] = [];

  constructor(deps: CallControllerDeps) {
    this.#deps = deps;
    const now = deps.now ?? Date.now;
    const iceServers = new IceServerPrefetch(() => fetchIceServers(deps.api), now);
    this.#host = new EngineHost({
      createEngine: deps.createEngine,
      signaling: deps.signaling,
      media: deps.media,
      selfId: deps.selfId,
      iceServers,
      iceTransportPolicy: deps.iceTransportPolicy,
      now,
      inCall: (callId) => currentCall(this.#ctx, callId) !== null,
      dispatch: (action) => dispatchCall(this.#ctx, action),
      onError: (e) => showEngineProblem(this.#ctx, e),
      onScreenShare: (callId, screenSharing) => {
        dispatchCall(this.#ctx, { type: 'local-media-changed', patch: { screenSharing } });
        this.#media.patch(callId, { screenSharing });
      },
      onVideoPausedFor: (callId, videoPausedFor) => this.#media.patch(callId, { videoPausedFor }),
      onAudioLevels: deps.onAudioLevels,
    });
    this.#ctx = { selfId: deps.selfId, store: deps.store, host: this.#host, media: deps.media };
    this.#media = new LocalMediaControl(this.#ctx, deps.api, deps.refreshDevices);
    this.#parts = { deps, ctx: this.#ctx, host: this.#host, iceServers, media: this.#media, now };
    this.#join = new JoinFlow(this.#parts, { resolveGlare: () => this.#ring.resolveGlare() });
    this.#ring = new RingFlow(this.#parts, this.#join);
  }

  /** The live engine of the current call; exposed for the e2e tests' getStats probes. */
  get engine(): CallEngine | null {
    return this.#host.engine;
  }

  start(): void {
    this.#subscriptions.push(
      ...routeServerEvents(this.#parts, this.#ring, this.#join),
      syncPresence(this.#deps.store, this.#deps.desktop),
    );
  }

  dispose(): void {
    for (const unsubscribe of this.#subscriptions.splice(0)) unsubscribe();
    this.#host.teardown();
    void this.#deps.desktop.setCallPresence({ state: 'idle' });
  }

  startCall(conversationId: string, type: InitiableCallType, title: string): Promise<void> {
    return this.#join.startCall(conversationId, type, title);
  }

  answer(withVideo: boolean): Promise<void> {
    return this.#ring.answer(withVideo);
  }

  decline(): Promise<void> {
    return this.#ring.decline();
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
      dispatchCall(this.#ctx, {
        type: 'recording-changed',
        callId: call.callId,
        recording: recordingStatusOf(now)!,
      });
    } catch (error) {
      toast(
        this.#ctx,
        'error',
        `Could not ${recording ? 'stop' : 'start'} recording: ${errorMessage(error)}`,
      );
    }
  }

  hangUp(): Promise<void> {
    return this.#join.hangUp();
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
    this.#host.engine?.setRemoteView(tiles);
  }

  /** A peer whose connection failed: start over with a fresh connection. */
  retryPeer(userId: string): void {
    this.#host.engine?.resetPeer(userId);
  }

  /**
   * On start-up and after a reload: takes back the call this user is in, or shows the call still ringing
   * (see JoinFlow.resumeActiveCall).
   */
  resumeActiveCall(): Promise<void> {
    return this.#join.resumeActiveCall();
  }

  /** Extra: joins a group call already in progress (from the banner), also one I declined, missed or left. */
  joinCall(callId: string, title: string): Promise<void> {
    return this.#join.joinCall(callId, title);
  }

  callBack(callId: string): Promise<void> {
    return this.#join.callBack(callId);
  }
}
