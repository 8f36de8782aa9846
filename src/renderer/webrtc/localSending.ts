import { LocalMedia } from './localMedia.ts';
import { NO_OUTGOING_MEDIA, withheld } from './mediaTransport.ts';
import type { OutgoingMedia } from './mediaTransport.ts';
import { CallEngineError } from './types.ts';

const NOTHING_STARTING = NO_OUTGOING_MEDIA.starting;

export interface LocalSendingOptions {
  /** Tells every transport what to send now; resolves once they all took it. */
  publish(media: OutgoingMedia): Promise<void>;
  localStream(stream: MediaStream): void;
  screenShare(sharing: boolean): void;
  error(error: CallEngineError): void;
}

/**
 * Our side of a call: the local devices (LocalMedia) and what the transports are told to send, including
 * what is announced before the devices open and what is held back while our device rings. Device and screen
 * operations run one at a time, so a quick on/off/on ends in the state last asked for.
 */
export class LocalSending {
  private readonly options: LocalSendingOptions;
  private readonly media = new LocalMedia();
  private operations: Promise<unknown> = Promise.resolve();
  private receiveVideo = true;
  private starting = NOTHING_STARTING;
  /** While our device rings, what the connections are negotiated to send once we answer (see hold). */
  private held: { audio: boolean; video: boolean } | null = null;
  private stopped = false;

  constructor(options: LocalSendingOptions) {
    this.options = options;
  }

  get stream(): MediaStream | null {
    return this.media.stream;
  }

  get screenStream(): MediaStream | null {
    return this.media.screenStream;
  }

  /** What the quality monitor grades against. */
  get sending(): { video: boolean; screen: boolean; audioEnabled: boolean } {
    return {
      video: this.media.screen !== null || this.media.camera !== null,
      screen: this.media.screen !== null,
      audioEnabled: this.media.audioEnabled,
    };
  }

  outgoing(): OutgoingMedia {
    const media: OutgoingMedia = {
      stream: this.media.stream,
      audio: this.media.microphone,
      video: this.media.screen ?? this.media.camera,
      videoIsScreen: this.media.screen !== null,
      camera: this.media.camera,
      screen: this.media.screen,
      receiveVideo: this.receiveVideo,
      starting: this.starting,
    };
    return this.held === null ? media : withheld(media, this.held);
  }

  acquire(
    audio: boolean,
    video: boolean,
    devices?: { microphoneId?: string | null; cameraId?: string | null },
  ): Promise<MediaStream> {
    // Announced at once, before the devices open (a few hundred milliseconds): a connection negotiated
    // meanwhile already sends these kinds, and the tracks join it without another offer/answer round.
    this.receiveVideo = video;
    this.starting = { audio, video };
    void this.publish();
    return this.serialize(async () => {
      const capture = this.media.acquire(audio, video, devices);
      await capture.catch(() => undefined);
      this.starting = NOTHING_STARTING;
      await this.publish();
      const stream = await capture.catch((err) => this.fail(err));
      this.options.localStream(stream);
      return stream;
    });
  }

  hold(kinds: { audio: boolean; video: boolean }): void {
    this.held = kinds;
    this.receiveVideo = kinds.video;
    void this.publish();
  }

  release(): void {
    if (this.held === null) return;
    this.held = null;
    void this.publish();
  }

  setAudioEnabled(enabled: boolean): void {
    this.media.setAudioEnabled(enabled);
  }

  setVideoEnabled(enabled: boolean): Promise<void> {
    return this.serialize(async () => {
      if (enabled) await this.media.startCamera().catch((err) => this.fail(err));
      else this.media.stopCamera();
      await this.publish();
      if (this.media.stream) this.options.localStream(this.media.stream);
    });
  }

  startScreen(): Promise<void> {
    return this.serialize(async () => {
      if (this.media.screen) return;
      await this.media.startScreen(() => void this.stopScreen()).catch((err) => this.fail(err));
      if (!this.media.screen) return;
      await this.publish();
      this.options.screenShare(true);
    });
  }

  stopScreen(): Promise<void> {
    return this.serialize(async () => {
      if (!this.media.screen) return;
      this.media.stopScreen();
      await this.publish();
      this.options.screenShare(false);
    });
  }

  switchDevice(kind: 'microphone' | 'camera', deviceId: string): Promise<void> {
    return this.serialize(async () => {
      const change =
        kind === 'microphone' ? this.media.switchMicrophone(deviceId) : this.media.switchCamera(deviceId);
      await change.catch((err) => this.fail(err));
      await this.publish();
      if (this.media.stream) this.options.localStream(this.media.stream);
    });
  }

  /** Every track stopped (camera light off); later operations reject. */
  stop(): void {
    this.stopped = true;
    this.media.stopAll();
  }

  private publish(): Promise<void> {
    return this.options.publish(this.outgoing());
  }

  private serialize<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.operations.then(() => {
      if (this.stopped) throw new Error('The call engine was cleaned up.');
      return operation();
    });
    this.operations = run.catch(() => undefined);
    return run;
  }

  /** Reports a media error and rethrows it to the caller of the operation. */
  private fail(err: unknown): never {
    const error =
      err instanceof CallEngineError
        ? err
        : new CallEngineError('media-unavailable', 'Media could not be started.');
    this.options.error(error);
    throw error;
  }
}
