/**
 * Draws the app icon and the tray icons as PNGs (no image tooling needed): `node scripts/generate-icons.ts`.
 * The PNGs are committed under resources/; rerun this after changing a colour or a shape.
 *
 * Shapes are signed distance functions (negative inside), sampled 4x4 per pixel for anti-aliasing, and
 * composited back to front. Tray icons exist at 16 px and @2x (32 px), the sizes nativeImage picks from.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

type Rgba = readonly [number, number, number, number];
/** A layer: distance from a point (in 0..1 icon space) to the shape's edge, negative inside. */
type Layer = { distance: (x: number, y: number) => number; color: Rgba };

const root = path.resolve(import.meta.dirname, '..');
const SUPERSAMPLE = 4;

function hex(value: string, alpha = 255): Rgba {
  const n = Number.parseInt(value.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255, alpha];
}

const circle = (cx: number, cy: number, r: number) => (x: number, y: number) =>
  Math.hypot(x - cx, y - cy) - r;

function roundedRect(cx: number, cy: number, width: number, height: number, radius: number) {
  return (x: number, y: number) => {
    const qx = Math.abs(x - cx) - (width / 2 - radius);
    const qy = Math.abs(y - cy) - (height / 2 - radius);
    return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
  };
}

const roundedSquare = (inset: number, radius: number) =>
  roundedRect(0.5, 0.5, 1 - 2 * inset, 1 - 2 * inset, radius);

/**
 * A telephone handset: a thick arc (the handle) with a rounded ear- and mouthpiece at its ends, tilted the
 * way phone glyphs usually are.
 */
function handset(cx: number, cy: number, size: number) {
  const radius = 0.3 * size;
  const thickness = 0.11 * size;
  const capRadius = 0.13 * size;
  const from = (200 * Math.PI) / 180;
  const to = (340 * Math.PI) / 180;
  const tilt = (-45 * Math.PI) / 180;
  const ends = [from, to].map((a) => [Math.cos(a) * radius, -Math.sin(a) * radius] as const);
  return (x: number, y: number) => {
    // Rotate the point into the handset's frame; the offsets centre the drawn glyph on (cx, cy).
    const dx = x - cx - 0.076 * size;
    const dy = y - cy + 0.07 * size;
    const px = dx * Math.cos(tilt) - dy * Math.sin(tilt);
    const py = dx * Math.sin(tilt) + dy * Math.cos(tilt);
    let angle = Math.atan2(-py, px);
    if (angle < 0) angle += 2 * Math.PI;
    const onArc =
      angle >= from && angle <= to ? Math.abs(Math.hypot(px, py) - radius) - thickness / 2 : Infinity;
    const onCaps = Math.min(...ends.map(([ex, ey]) => Math.hypot(px - ex, py - ey) - capRadius));
    return Math.min(onArc, onCaps);
  };
}

function render(size: number, layers: Layer[]): Buffer {
  const pixels = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let [r, g, b, a] = [0, 0, 0, 0];
      for (let sy = 0; sy < SUPERSAMPLE; sy++) {
        for (let sx = 0; sx < SUPERSAMPLE; sx++) {
          const x = (px + (sx + 0.5) / SUPERSAMPLE) / size;
          const y = (py + (sy + 0.5) / SUPERSAMPLE) / size;
          // "Over" compositing of the layers that cover this sample, in premultiplied alpha.
          let [sr, sg, sb, sa] = [0, 0, 0, 0];
          for (const layer of layers) {
            if (layer.distance(x, y) > 0) continue;
            const alpha = layer.color[3] / 255;
            sr = layer.color[0] * alpha + sr * (1 - alpha);
            sg = layer.color[1] * alpha + sg * (1 - alpha);
            sb = layer.color[2] * alpha + sb * (1 - alpha);
            sa = alpha + sa * (1 - alpha);
          }
          r += sr;
          g += sg;
          b += sb;
          a += sa;
        }
      }
      const samples = SUPERSAMPLE * SUPERSAMPLE;
      const alpha = a / samples;
      const offset = (py * size + px) * 4;
      pixels[offset] = alpha ? Math.round(r / samples / alpha) : 0;
      pixels[offset + 1] = alpha ? Math.round(g / samples / alpha) : 0;
      pixels[offset + 2] = alpha ? Math.round(b / samples / alpha) : 0;
      pixels[offset + 3] = Math.round(alpha * 255);
    }
  }
  return encodePng(size, pixels);
}

function chunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/** An 8-bit RGBA PNG, each scanline with filter type 0. */
function encodePng(size: number, rgba: Buffer): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // bit depth 8, colour type RGBA, deflate, no filter method, no interlace
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const WHITE = hex('#ffffff');
const RED = hex('#dc2626');
const TRAY_COLORS = {
  idle: '#64748b',
  ringing: '#16a34a',
  'in-call': '#2563eb',
  sharing: '#dc2626',
  missed: '#64748b',
} as const;

function trayLayers(state: keyof typeof TRAY_COLORS): Layer[] {
  const background = { distance: circle(0.5, 0.5, 0.47), color: hex(TRAY_COLORS[state]) };
  if (state === 'sharing') {
    // A monitor: the screen is being shared.
    return [
      background,
      { distance: roundedRect(0.5, 0.45, 0.58, 0.4, 0.06), color: WHITE },
      { distance: roundedRect(0.5, 0.45, 0.44, 0.26, 0.02), color: hex(TRAY_COLORS.sharing) },
      { distance: roundedRect(0.5, 0.73, 0.3, 0.07, 0.03), color: WHITE },
    ];
  }
  const layers: Layer[] = [background, { distance: handset(0.5, 0.5, 0.78), color: WHITE }];
  if (state === 'missed') {
    layers.push(
      { distance: circle(0.78, 0.22, 0.24), color: WHITE },
      { distance: circle(0.78, 0.22, 0.18), color: RED },
    );
  }
  return layers;
}

function write(relative: string, png: Buffer): void {
  const file = path.join(root, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, png);
  console.log(`${relative} (${png.length} bytes)`);
}

write(
  'resources/icon.png',
  render(512, [
    { distance: roundedSquare(0.04, 0.2), color: hex('#1d4ed8') },
    { distance: roundedSquare(0.04, 0.2), color: hex('#3b82f6', 90) },
    { distance: handset(0.5, 0.5, 0.72), color: WHITE },
  ]),
);
for (const state of Object.keys(TRAY_COLORS) as Array<keyof typeof TRAY_COLORS>) {
  write(`resources/tray/${state}.png`, render(16, trayLayers(state)));
  write(`resources/tray/${state}@2x.png`, render(32, trayLayers(state)));
}
write(
  'resources/tray/overlay-missed.png',
  render(16, [
    { distance: circle(0.5, 0.5, 0.48), color: WHITE },
    { distance: circle(0.5, 0.5, 0.38), color: RED },
  ]),
);
