import { toMediaError, toScreenShareError } from './mediaErrors.ts';

/** Spec "Media Codecs": Opus at 48 kHz mono with the browser's echo cancellation, noise suppression and AGC. */
export const AUDIO_CONSTRAINTS: MediaTrackConstraints = {
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
  sampleRate: 48_000,
  channelCount: 1,
};

/** HD by default; the send ladder scales down per peer, so capture never needs to go below it. */
export const VIDEO_CONSTRAINTS: MediaTrackConstraints = {
  width: { ideal: 1280 },
  height: { ideal: 720 },
  frameRate: { ideal: 30, min: 15, max: 60 },
};

/** Screen content changes slowly and must stay sharp: fewer frames, full resolution. */
const SCREEN_OPTIONS: DisplayMediaStreamOptions = {
  video: { frameRate: { ideal: 15, max: 30 } },
  audio: false,
};

function onDevice(constraints: MediaTrackConstraints, deviceId: string | null): MediaTrackConstraints {
  return deviceId ? { ...constraints, deviceId: { exact: deviceId } } : constraints;
}

/**
 * The local capture devices of one call: microphone, camera and screen. `stream` is one MediaStream for the
 * whole call whose tracks are swapped in place, so a preview bound to it follows every change.
 * Errors are thrown as CallEngineError with a message a user can act on.
 */
export class LocalMedia {
  stream: MediaStream | null = null;
  microphone: MediaStreamTrack | null = null;
  camera: MediaStreamTrack | null = null;
  /** The shared screen on its own, for the sharer's preview. */
  screenStream: MediaStream | null = null;
  audioEnabled = true;
  private microphoneId: string | null = null;
  private cameraId: string | null = null;
  private stopped = false;

  async acquire(
    audio: boolean,
    video: boolean,
    devices: { microphoneId?: string | null; cameraId?: string | null } = {},
  ): Promise<MediaStream> {
    this.microphoneId = devices.microphoneId ?? null;
    this.cameraId = devices.cameraId ?? null;
    // Exists before the capture does, so connections negotiated meanwhile already name it (msid).
    this.stream ??= new MediaStream();
    const captured =
      audio || video
        ? await this.capture(
            {
              audio: audio ? onDevice(AUDIO_CONSTRAINTS, this.microphoneId) : false,
              video: video ? onDevice(VIDEO_CONSTRAINTS, this.cameraId) : false,
            },
            { audio, video },
          )
        : // Neither: a listen-only participant still gets a (trackless) stream.
          new MediaStream();
    this.setTrack('microphone', captured.getAudioTracks()[0] ?? null);
    this.setTrack('camera', captured.getVideoTracks()[0] ?? null);
    return this.stream;
  }

  setAudioEnabled(enabled: boolean): void {
    this.audioEnabled = enabled;
    // Disabled, not stopped: the track sends silence and unmuting is instant, with no new permission prompt.
    if (this.microphone) this.microphone.enabled = enabled;
  }

  async startCamera(): Promise<void> {
    if (this.camera) return;
    const captured = await this.capture(
      { video: onDevice(VIDEO_CONSTRAINTS, this.cameraId) },
      { audio: false, video: true },
    );
    this.setTrack('camera', captured.getVideoTracks()[0] ?? null);
  }

  /** Stopping (not disabling) the track turns the camera light off. */
  stopCamera(): void {
    this.setTrack('camera', null);
  }

  async switchMicrophone(deviceId: string): Promise<void> {
    this.microphoneId = deviceId;
    if (!this.microphone) return;
    const captured = await this.capture(
      { audio: onDevice(AUDIO_CONSTRAINTS, deviceId) },
      { audio: true, video: false },
    );
    this.setTrack('microphone', captured.getAudioTracks()[0] ?? null);
  }

  async switchCamera(deviceId: string): Promise<void> {
    this.cameraId = deviceId;
    if (!this.camera) return; // used the next time the camera is turned on
    // Many Windows and Linux camera drivers refuse a second open of the same hardware, so the old one goes first.
    this.stopCamera();
    await this.startCamera();
  }

  get screen(): MediaStreamTrack | null {
    return this.screenStream?.getVideoTracks()[0] ?? null;
  }

  async startScreen(onEnded: () => void): Promise<void> {
    if (this.screen) return;
    let captured: MediaStream;
    try {
      captured = await navigator.mediaDevices.getDisplayMedia(SCREEN_OPTIONS);
    } catch (err) {
      throw toScreenShareError(err);
    }
    const track = captured.getVideoTracks()[0];
    if (!track || this.stopped) {
      captured.getTracks().forEach((t) => t.stop());
      return;
    }
    // Tells the encoder this is text and lines: keep resolution, give up frame rate under pressure.
    track.contentHint = 'detail';
    // 'ended' fires when the OS or the browser's "Stop sharing" bar ends the capture, never for our own stop().
    track.addEventListener('ended', onEnded, { once: true });
    this.screenStream = new MediaStream([track]);
  }

  stopScreen(): void {
    this.screen?.stop();
    this.screenStream = null;
  }

  stopAll(): void {
    this.stopped = true;
    this.setTrack('microphone', null);
    this.setTrack('camera', null);
    this.stopScreen();
  }

  private async capture(
    constraints: MediaStreamConstraints,
    requested: { audio: boolean; video: boolean },
  ): Promise<MediaStream> {
    let captured: MediaStream;
    try {
      captured = await navigator.mediaDevices.getUserMedia(constraints);
    } catch (err) {
      throw toMediaError(err, requested);
    }
    // The call may have ended while the permission prompt was open: release the devices at once.
    if (this.stopped) captured.getTracks().forEach((t) => t.stop());
    return this.stopped ? new MediaStream() : captured;
  }

  private setTrack(slot: 'microphone' | 'camera', track: MediaStreamTrack | null): void {
    const previous = this[slot];
    if (previous === track) return;
    if (previous) {
      previous.stop();
      this.stream?.removeTrack(previous);
    }
    if (track && slot === 'microphone') track.enabled = this.audioEnabled;
    if (track) this.stream?.addTrack(track);
    this[slot] = track;
  }
}
