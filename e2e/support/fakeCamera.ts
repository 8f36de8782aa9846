/**
 * A still "webcam" picture for Chromium's fake capture (--use-file-for-fake-video-capture): a person's
 * silhouette on a soft backdrop, 640x360 by default. Besides looking like a call in the screenshots, it makes
 * the camera tell-apart from a shared screen (Chromium's fake screen is 1280x720), which the screen-share test
 * uses. The SFU tests use a 1280x720 camera: Chromium sends all three simulcast layers only from 720p up.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const FAKE_CAMERA_WIDTH = 640;
export const FAKE_CAMERA_HEIGHT = 360;

export interface FrameSize {
  width: number;
  height: number;
}
const DEFAULT_SIZE: FrameSize = { width: FAKE_CAMERA_WIDTH, height: FAKE_CAMERA_HEIGHT };

function pixel(x: number, y: number, { width: w, height: h }: FrameSize): [number, number, number] {
  // Backdrop: a warm-to-cool diagonal gradient with a soft light in the upper left.
  const t = (x / w) * 0.6 + (y / h) * 0.4;
  const light = Math.max(0, 1 - Math.hypot(x - w * 0.2, y - h * 0.15) / (w * 0.7));
  let r = 40 + 50 * (1 - t) + 60 * light;
  let g = 52 + 40 * (1 - t) + 50 * light;
  let b = 78 + 50 * t + 40 * light;
  // Silhouette: head and shoulders, centred.
  // Proportions of the 640x360 original, whatever the size.
  const head = Math.hypot((x - w / 2) / (w * 0.097), (y - h * 0.42) / (h * 0.206)) <= 1;
  const shoulders = Math.hypot((x - w / 2) / (w * 0.266), (y - h * 1.08) / (h * 0.417)) <= 1;
  if (head || shoulders) {
    const shade = 0.85 + 0.15 * (1 - y / h);
    r = 214 * shade;
    g = 170 * shade;
    b = 146 * shade;
    if (shoulders && !head) {
      r = 66 * shade;
      g = 96 * shade;
      b = 156 * shade;
    }
  }
  return [r, g, b];
}

/** The path of the Y4M file (4:2:0, full-range BT.601), written once per machine. */
export function fakeCameraFile(size: FrameSize = DEFAULT_SIZE): string {
  const { width: w, height: h } = size;
  const file = path.join(tmpdir(), `callbridge-fake-camera-${w}x${h}.y4m`);
  if (existsSync(file)) return file;
  const yPlane = Buffer.alloc(w * h);
  const uPlane = Buffer.alloc((w / 2) * (h / 2));
  const vPlane = Buffer.alloc((w / 2) * (h / 2));
  const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [r, g, b] = pixel(x, y, size);
      yPlane[y * w + x] = clamp(0.299 * r + 0.587 * g + 0.114 * b);
      if (x % 2 === 0 && y % 2 === 0) {
        const i = (y / 2) * (w / 2) + x / 2;
        uPlane[i] = clamp(128 - 0.168736 * r - 0.331264 * g + 0.5 * b);
        vPlane[i] = clamp(128 + 0.5 * r - 0.418688 * g - 0.081312 * b);
      }
    }
  }
  const header = Buffer.from(`YUV4MPEG2 W${w} H${h} F30:1 Ip A1:1 C420jpeg\n`);
  writeFileSync(file, Buffer.concat([header, Buffer.from('FRAME\n'), yPlane, uPlane, vPlane]));
  return file;
}

/**
 * Chromium flags for every browser of the tests and the bench: no background services, fake capture devices
 * without permission prompts, and ICE over loopback. The engine's browser tests (vitest.browser.config.ts) use
 * these as they are, with Chromium's own moving fake camera.
 */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
];

/** CHROMIUM_FLAGS with the still webcam picture above as the fake camera (the e2e suite and the bench). */
export function chromiumArgs(cameraSize: FrameSize = DEFAULT_SIZE): string[] {
  return [...CHROMIUM_FLAGS, `--use-file-for-fake-video-capture=${fakeCameraFile(cameraSize)}`];
}

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
