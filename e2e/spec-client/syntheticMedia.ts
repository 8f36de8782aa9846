/**
 * Camera and microphone for synthetic clients: @roamhq/wrtc's non-standard sources fed with generated I420
 * frames and 48 kHz PCM. One clock drives every source of the process, so twenty clients cost one timer
 * instead of forty. Frames are pre-rendered once and shared: a moving, textured pattern that changes every
 * frame (a still image would encode to almost nothing and make the bitrates meaningless), each client
 * starting at a different phase.
 */
import wrtc from '@roamhq/wrtc';

const AUDIO_SAMPLE_RATE = 48_000;
/** libwebrtc takes audio in 10 ms chunks. */
const AUDIO_FRAME_MS = 10;
const AUDIO_SAMPLES_PER_FRAME = (AUDIO_SAMPLE_RATE * AUDIO_FRAME_MS) / 1000;
/** How many distinct video frames are rendered up front (two seconds at 15 fps; the loop is not visible). */
const VIDEO_LOOP_FRAMES = 30;
const AUDIO_LOOP_FRAMES = 100;
const CLOCK_TICK_MS = 10;
/**
 * Audio frames sent per tick at most: when this process falls behind (a starved event loop), the backlog is
 * dropped rather than sent in a burst, which would only starve it further. Counted in `droppedAudioFrames`.
 */
const MAX_AUDIO_CATCH_UP = 5;

export interface VideoFormat {
  width: number;
  height: number;
  fps: number;
}

export interface SyntheticMedia {
  audio: MediaStreamTrack;
  video: MediaStreamTrack;
  stop(): void;
}

interface Feed {
  video: InstanceType<typeof wrtc.nonstandard.RTCVideoSource>;
  audio: InstanceType<typeof wrtc.nonstandard.RTCAudioSource>;
  phase: number;
}

/** Drives the sources of every synthetic client of this process from one timer. */
export class MediaClock {
  readonly #format: VideoFormat;
  readonly #videoFrames: Uint8Array[];
  readonly #audioFrames: Int16Array[];
  readonly #feeds = new Set<Feed>();
  #timer: NodeJS.Timeout | null = null;
  #startedAt = 0;
  #videoSent = 0;
  #audioSent = 0;
  droppedAudioFrames = 0;

  constructor(format: VideoFormat) {
    this.#format = format;
    this.#videoFrames = Array.from({ length: VIDEO_LOOP_FRAMES }, (_, i) => renderFrame(format, i));
    this.#audioFrames = Array.from({ length: AUDIO_LOOP_FRAMES }, (_, i) => renderAudio(i));
  }

  /** A new client's camera and microphone, fed until stop(). */
  open(): SyntheticMedia {
    const feed: Feed = {
      video: new wrtc.nonstandard.RTCVideoSource(),
      audio: new wrtc.nonstandard.RTCAudioSource(),
      phase: this.#feeds.size * 7,
    };
    const video = feed.video.createTrack();
    const audio = feed.audio.createTrack();
    this.#feeds.add(feed);
    this.#start();
    return {
      audio,
      video,
      stop: () => {
        this.#feeds.delete(feed);
        video.stop();
        audio.stop();
        if (this.#feeds.size === 0) this.#stop();
      },
    };
  }

  #start(): void {
    if (this.#timer) return;
    this.#startedAt = performance.now();
    this.#videoSent = 0;
    this.#audioSent = 0;
    this.#timer = setInterval(() => this.#tick(), CLOCK_TICK_MS);
  }

  #stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Catches up with the wall clock: timers run late on a busy machine, media must not run slow. */
  #tick(): void {
    const elapsed = performance.now() - this.#startedAt;
    const { width, height, fps } = this.#format;
    const audioDue = Math.floor(elapsed / AUDIO_FRAME_MS);
    if (audioDue - this.#audioSent > MAX_AUDIO_CATCH_UP) {
      this.droppedAudioFrames += audioDue - this.#audioSent - MAX_AUDIO_CATCH_UP;
      this.#audioSent = audioDue - MAX_AUDIO_CATCH_UP;
    }
    while (this.#audioSent < audioDue) {
      const n = this.#audioSent++;
      for (const feed of this.#feeds) {
        feed.audio.onData({
          samples: this.#audioFrames[(n + feed.phase) % AUDIO_LOOP_FRAMES]!,
          sampleRate: AUDIO_SAMPLE_RATE,
          bitsPerSample: 16,
          channelCount: 1,
          numberOfFrames: AUDIO_SAMPLES_PER_FRAME,
        });
      }
    }
    const videoDue = Math.floor((elapsed * fps) / 1000);
    // After a long stall send only the latest frame, as a camera would (it does not queue missed frames).
    if (videoDue > this.#videoSent) {
      this.#videoSent = videoDue;
      for (const feed of this.#feeds) {
        const data = this.#videoFrames[(videoDue + feed.phase) % VIDEO_LOOP_FRAMES]!;
        feed.video.onFrame({ width, height, data });
      }
    }
  }
}

/**
 * Soft waves drifting across the picture plus a bright block sweeping over it: I420. Roughly what a camera
 * on a person in a room costs the encoder (hard-edged fine textures would cost several times more).
 */
function renderFrame({ width, height }: VideoFormat, index: number): Uint8Array {
  const frame = new Uint8Array(width * height * 1.5);
  const phase = (2 * Math.PI * index) / VIDEO_LOOP_FRAMES;
  const columns = Float32Array.from({ length: width }, (_, x) => Math.sin((x * 6.3) / width + phase));
  for (let y = 0; y < height; y++) {
    const rowWave = Math.cos((y * 4.7) / height - phase);
    const row = y * width;
    for (let x = 0; x < width; x++) frame[row + x] = 128 + Math.round(60 * columns[x]! * rowWave);
  }
  const block = Math.floor(height / 4);
  const left = Math.floor(((width - block) * index) / VIDEO_LOOP_FRAMES);
  for (let y = block; y < 2 * block; y++) frame.fill(235, y * width + left, y * width + left + block);
  const chromaSize = (width / 2) * (height / 2);
  frame.fill(128 + ((index * 4) & 63), width * height, width * height + chromaSize);
  frame.fill(128 - ((index * 3) & 63), width * height + chromaSize);
  return frame;
}

/** A tone gliding between 300 and 700 Hz, so Opus has something to encode (silence is nearly free). */
function renderAudio(index: number): Int16Array {
  const samples = new Int16Array(AUDIO_SAMPLES_PER_FRAME);
  const frequency = 300 + 4 * Math.abs((index % 200) - 100);
  const offset = index * AUDIO_SAMPLES_PER_FRAME;
  for (let i = 0; i < samples.length; i++) {
    samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * frequency * (offset + i)) / AUDIO_SAMPLE_RATE));
  }
  return samples;
}
