/**
 * This device's camera, microphone and screen in the call on screen: capture (and what the others are told
 * while there is none), mute, camera, screen share, device switches, and the media state sent to the server.
 */
import type { UpdateMediaRequest } from '../../shared/protocol/index.ts';
import type { RestClient } from '../signaling/restClient.ts';
import { errorMessage } from '../signaling/restClient.ts';
import { CallEngineError } from '../webrtc/index.ts';
import type { CallContext } from './callContext.ts';
import { currentCall, dispatchCall, toast } from './callContext.ts';
import { mediaProblemOf } from './mediaErrors.ts';

export class LocalMediaControl {
  readonly #ctx: CallContext;
  readonly #api: Pick<RestClient, 'updateMedia'>;
  readonly #refreshDevices: (() => void) | undefined;
  /** The server was told this device sends no media (it could get none); undone once it gets some. */
  #toldNoMedia = false;

  constructor(ctx: CallContext, api: Pick<RestClient, 'updateMedia'>, refreshDevices?: () => void) {
    this.#ctx = ctx;
    this.#api = api;
    this.#refreshDevices = refreshDevices;
  }

  /** A new engine has told the server nothing yet. */
  engineCreated(): void {
    this.#toldNoMedia = false;
  }

  toggleMute(): void {
    const call = this.#ctx.store.getState().call.current;
    if (!call) return;
    const audioEnabled = !call.local.audioEnabled;
    this.#ctx.host.engine?.toggleAudio(audioEnabled);
    dispatchCall(this.#ctx, { type: 'local-media-changed', patch: { audioEnabled } });
    this.patch(call.callId, { audioEnabled });
  }

  async toggleCamera(): Promise<void> {
    const call = this.#ctx.store.getState().call.current;
    if (!call || !this.#ctx.host.engine) return;
    const videoEnabled = !call.local.videoEnabled;
    dispatchCall(this.#ctx, { type: 'local-media-changed', patch: { videoEnabled } });
    try {
      await this.#ctx.host.engine.toggleVideo(videoEnabled);
    } catch (error) {
      // The engine's 'error' event already put the camera problem on screen.
      dispatchCall(this.#ctx, { type: 'local-media-changed', patch: { videoEnabled: !videoEnabled } });
      this.#reportUnlessEmitted('The camera could not be turned on', error);
      return;
    }
    this.patch(call.callId, { videoEnabled });
  }

  /**
   * The engine's 'screen-share' event reports the outcome (also a share stopped from the browser's own bar)
   * and its 'error' event a failure or a cancelled picker.
   */
  async toggleScreenShare(): Promise<void> {
    const call = this.#ctx.store.getState().call.current;
    if (!call || !this.#ctx.host.engine) return;
    try {
      if (call.local.screenSharing) await this.#ctx.host.engine.stopScreenShare();
      else await this.#ctx.host.engine.startScreenShare();
    } catch (error) {
      this.#reportUnlessEmitted('Screen sharing failed', error);
    }
  }

  async switchDevice(kind: 'microphone' | 'camera', deviceId: string): Promise<void> {
    if (!this.#ctx.host.engine) return;
    try {
      await this.#ctx.host.engine.switchDevice(kind, deviceId);
    } catch (error) {
      this.#reportUnlessEmitted(`Could not switch the ${kind}`, error);
    }
  }

  /** After a camera/microphone failure: ask again, optionally without the camera. */
  async retry(audioOnly: boolean): Promise<void> {
    const call = this.#ctx.store.getState().call.current;
    if (!call) return;
    dispatchCall(this.#ctx, { type: 'media-problem', problem: null });
    const video = !audioOnly && call.local.videoEnabled;
    if (!video && call.local.videoEnabled) {
      dispatchCall(this.#ctx, { type: 'local-media-changed', patch: { videoEnabled: false } });
      this.patch(call.callId, { videoEnabled: false });
    }
    await this.acquire(true, video);
  }

  /**
   * Opens the devices for the engine's call; `acquire` then reports how that went (a failure is not handled
   * here). Null without an engine.
   */
  capture(audio: boolean, video: boolean): Promise<MediaStream> | null {
    const engine = this.#ctx.host.engine;
    if (!engine) return null;
    const settings = this.#ctx.store.getState().settings;
    return engine.initializeLocalStream(audio, video, {
      microphoneId: settings?.preferredMicrophoneId ?? null,
      cameraId: settings?.preferredCameraId ?? null,
    });
  }

  /** `capture`: one started before the call was on screen (see RingFlow.answer); a new one by default. */
  async acquire(audio: boolean, video: boolean, capture = this.capture(audio, video)): Promise<void> {
    const engine = this.#ctx.host.engine;
    if (!engine || !capture) return;
    try {
      await capture;
      const call = this.#ctx.store.getState().call.current;
      // Back from having no media: the others see what I send again.
      if (call && this.#toldNoMedia) this.patch(call.callId, { audioEnabled: audio, videoEnabled: video });
      this.#toldNoMedia = false;
      dispatchCall(this.#ctx, { type: 'media-problem', problem: null });
    } catch (error) {
      const call = this.#ctx.store.getState().call.current;
      if (this.#ctx.host.engine === engine && call) {
        dispatchCall(this.#ctx, { type: 'media-problem', problem: mediaProblemOf(error) });
        // The others show me as present without media (not as connecting) while I have none.
        this.patch(call.callId, { audioEnabled: false, videoEnabled: false });
        this.#toldNoMedia = true;
      }
    }
    this.#refreshDevices?.();
  }

  /** Engine failures arrive as 'error' events too; only other failures (e.g. a cleaned-up engine) are toasted here. */
  #reportUnlessEmitted(what: string, error: unknown): void {
    if (error instanceof CallEngineError) return;
    if (this.#ctx.host.engine) toast(this.#ctx, 'error', `${what}: ${errorMessage(error)}`);
  }

  patch(callId: string, patch: UpdateMediaRequest): void {
    this.#api.updateMedia(callId, patch).catch((error: unknown) => {
      if (currentCall(this.#ctx, callId))
        toast(this.#ctx, 'warning', `Others may not see your change: ${errorMessage(error)}`);
    });
  }
}
