/**
 * Hosts the one CallEngine of this client: creates it for a call, wires its events into the store and the
 * media registry, routes the call's signaling to it (holding what arrives before it exists), and tears it
 * down. While this device only rings nothing reaches the store; once the call is entered, the engine's current
 * peer states and the errors held meanwhile are shown.
 */
import type { SignalingClient } from '../signaling/socketClient.ts';
import type { CallAction } from '../store/call.reducer.ts';
import type { CallEngine, CallEngineErrorEvent, CallEngineOptions } from '../webrtc/index.ts';
import { nextSpeaker, noSpeaker } from './activeSpeaker.ts';
import type { SpeakerState } from './activeSpeaker.ts';
import type { IceServerPrefetch } from './iceServerPrefetch.ts';
import { LOCAL_MEDIA, LOCAL_SCREEN } from './mediaRegistry.ts';
import type { MediaRegistry } from './mediaRegistry.ts';
import { PausedVideoPeers } from './pausedVideoPeers.ts';
import { createSignalingPort } from './signalingPort.ts';
import { deliverSignal, isPreconnectOffer, SignalQueue } from './signalQueue.ts';
import type { SignalEvent } from './signalQueue.ts';

export type EngineFactory = (options: CallEngineOptions) => CallEngine;

/** Engine errors of a device that rings, kept for the call's screen; a few say all there is to say. */
const MAX_HELD_ENGINE_ERRORS = 20;

export interface EngineHostDeps {
  createEngine: EngineFactory;
  signaling: SignalingClient;
  media: MediaRegistry;
  selfId: string;
  iceServers: IceServerPrefetch;
  iceTransportPolicy?: RTCIceTransportPolicy | undefined;
  now: () => number;
  /** True while `callId` is the call on screen (not one that only rings on this device). */
  inCall: (callId: string) => boolean;
  dispatch: (action: CallAction) => void;
  onError: (e: CallEngineErrorEvent) => void;
  /** The engine started or stopped sharing the screen (also from the browser's own bar). */
  onScreenShare: (callId: string, active: boolean) => void;
  /** The peers toward whom the send ladder paused our video changed: the call's media state tells them. */
  onVideoPausedFor: (callId: string, videoPausedFor: string[]) => void;
  onAudioLevels?: ((levels: Readonly<Record<string, number>>) => void) | undefined;
}

export class EngineHost {
  readonly #deps: EngineHostDeps;
  readonly #signals = new SignalQueue();
  #engine: CallEngine | null = null;
  #callId: string | null = null;
  #subscriptions: (() => void)[] = [];
  #speaker: SpeakerState = noSpeaker;
  /**
   * Engine errors of a device that rings. Unlike connection states, which the engine still knows when the
   * call is entered, an error is an event it does not keep: the call's screen, which does not exist yet, would
   * never hear of it (a relay that refused us while ringing).
   */
  #errorsWhileRinging: CallEngineErrorEvent[] = [];

  constructor(deps: EngineHostDeps) {
    this.#deps = deps;
  }

  get engine(): CallEngine | null {
    return this.#engine;
  }

  /** The engine when it is the one of `callId`. */
  engineOf(callId: string): CallEngine | null {
    return this.#callId === callId ? this.#engine : null;
  }

  /**
   * To the call's engine, or held until it exists. Resolves 'held-preconnect' when what was held is the
   * offer of a caller that wants an answer from every ringing device (see CallController.#preconnect).
   */
  route(signal: SignalEvent): 'delivered' | 'held' | 'held-preconnect' {
    const engine = this.engineOf(signal.event.callId);
    if (engine) {
      void deliverSignal(engine, signal);
      return 'delivered';
    }
    if (!this.#signals.hold(signal)) return 'held';
    return isPreconnectOffer(signal) ? 'held-preconnect' : 'held';
  }

  hasHeldPreconnectOffer(callId: string): boolean {
    return this.#signals.hasPreconnectOffer(callId);
  }

  forgetSignals(callId: string): void {
    this.#signals.forget(callId);
  }

  /**
   * `answered`: the pending answer of this call, which the engine's signaling waits for (see #join).
   * `held`: a ringing device's engine, which sends nothing until answered (see #preconnect).
   */
  create(callId: string, answered?: Promise<unknown>, held?: { audio: boolean; video: boolean }): CallEngine {
    this.teardown();
    const { signaling, selfId, iceTransportPolicy } = this.#deps;
    const engine = this.#deps.createEngine({
      callId,
      selfUserId: selfId,
      signaling: createSignalingPort(signaling, answered),
      fetchIceServers: this.#deps.iceServers.forCall(),
      ...(iceTransportPolicy ? { iceTransportPolicy } : {}),
      onQualityReport: (samples) => {
        // A device that rings is connected but not in the call yet: it has nothing to report.
        if (samples.length === 0 || !this.#deps.inCall(callId)) return;
        void signaling.send('call:quality-report', { callId, samples }).then((ack) => {
          if (!ack.ok) console.warn(`calls: quality report refused (${ack.error.message})`);
        });
      },
    });
    this.#engine = engine;
    this.#callId = callId;
    this.#installDebugHook();
    this.#subscriptions = this.#subscribe(engine, callId);
    if (held) engine.holdOutgoing(held);
    for (const signal of this.#signals.take(callId)) void deliverSignal(engine, signal);
    return engine;
  }

  /** The connection is up already (or failed, or the relay refused us): the call's screen says so at once. */
  showWhatHappenedWhileRinging(): void {
    const errors = this.#errorsWhileRinging.splice(0);
    for (const [userId, state] of this.#engine?.peerStates() ?? []) {
      this.#deps.dispatch({ type: 'peer-state-changed', userId, state });
    }
    for (const error of errors) this.#deps.onError(error);
  }

  teardown(): void {
    this.#errorsWhileRinging = [];
    for (const unsubscribe of this.#subscriptions.splice(0)) unsubscribe();
    this.#engine?.cleanup();
    this.#engine = null;
    this.#callId = null;
    this.#speaker = noSpeaker;
    this.#deps.media.clear();
  }

  #subscribe(engine: CallEngine, callId: string): (() => void)[] {
    const { media, dispatch, inCall, selfId } = this.#deps;
    const pausedToward = new PausedVideoPeers();
    return [
      engine.on('local-stream', (stream) => media.set(LOCAL_MEDIA, stream)),
      engine.on('remote-stream', (userId, stream) => media.set(userId, stream)),
      engine.on('peer-state', (userId, state) => {
        if (inCall(callId)) dispatch({ type: 'peer-state-changed', userId, state });
      }),
      engine.on('quality', (userId, sample) => {
        dispatch({ type: 'quality-sampled', userId, sample });
        const videoPausedFor = pausedToward.sampled(userId, sample.videoPaused === true);
        if (videoPausedFor && inCall(callId)) this.#deps.onVideoPausedFor(callId, videoPausedFor);
      }),
      engine.on('audio-level', (levels) => {
        this.#deps.onAudioLevels?.(levels);
        const next = nextSpeaker(this.#speaker, levels, this.#deps.now());
        if (next.speakerId !== this.#speaker.speakerId) {
          dispatch({ type: 'active-speaker-changed', userId: next.speakerId });
          // The speaker's tile earns a sharper layer from the media server (never our own id: not a tile).
          engine.setActiveSpeaker(next.speakerId === selfId ? null : next.speakerId);
        }
        this.#speaker = next;
      }),
      engine.on('screen-share', (active) => {
        media.set(LOCAL_SCREEN, active ? engine.screenStream : null);
        this.#deps.onScreenShare(callId, active);
      }),
      engine.on('error', (e) => {
        if (inCall(callId)) this.#deps.onError(e);
        else if (this.#errorsWhileRinging.length < MAX_HELD_ENGINE_ERRORS) this.#errorsWhileRinging.push(e);
      }),
    ];
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
}
