/**
 * Turns the VideoRoom's raw recording of a call (one .mjr file per published m-line, possibly over several
 * start/stop rounds) into one WebM file anyone can play: every video stream side by side in a grid (black
 * where someone was not publishing yet), every audio stream mixed, each placed at the time Janus started
 * recording it. VP8 + Opus as the spec asks; VP8 must be re-encoded to compose the grid, at the fastest
 * libvpx settings, which is what keeps it affordable on a small server.
 *
 * Why one mixed file and not per-participant files with a manifest: people open a recording to watch the
 * meeting, in a browser or any player, without a tool that lines files up again.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/** `videoroom-<room>-user-<feed>-<startMicros>-<audio|video>-<mindex>.mjr`, as Janus 1.x names them. */
const MJR_NAME = /^videoroom-\d+-user-([^-]+)-(\d+)-(audio|video)-(\d+)\.mjr$/;
const TILE = { single: { w: 640, h: 360 }, grid: { w: 480, h: 270 } };
/** Bounds one tool run: a stuck ffmpeg must not hold a recording forever. */
const TOOL_TIMEOUT_MS = 30 * 60_000;

export interface RawTrack {
  file: string;
  kind: 'audio' | 'video';
  /** When Janus began recording it, in ms since the epoch. */
  startMs: number;
}

export interface RenderedRecording {
  bytes: number;
  videoTracks: number;
  audioTracks: number;
}

export class NothingRecordedError extends Error {}

/** The post-processing tools missing from PATH (each recording would end up 'failed' without them). */
export function missingTools(): string[] {
  return ['janus-pp-rec', 'ffmpeg'].filter(
    (tool) => spawnSync(tool, ['--help'], { stdio: 'ignore' }).error !== undefined,
  );
}

export function parseRawTrack(dir: string, name: string): RawTrack | null {
  const match = MJR_NAME.exec(name);
  if (match === null) return null;
  return {
    file: path.join(dir, name),
    kind: match[3] as 'audio' | 'video',
    startMs: Number(match[2]) / 1000,
  };
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: TOOL_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 }, (err, out, stderr) => {
      if (err === null) resolve(String(out));
      else reject(new Error(`${command} failed: ${String(stderr).trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

/** The .mjr header's `u`: when Janus wrote the track's first packet (µs), which is where its media begins. */
const MjrHeader = z.looseObject({ u: z.number().positive() });

async function firstPacketMs(file: string): Promise<number | null> {
  try {
    const header = MjrHeader.safeParse(JSON.parse(await run('janus-pp-rec', ['--json', file])));
    return header.success ? header.data.u / 1000 : null;
  } catch {
    return null;
  }
}

/** The ffmpeg filter graph: inputs in `tracks` order, outputs [v] (if any video) and [a] (if any audio). */
export function filterGraph(tracks: readonly RawTrack[]): string {
  const t0 = Math.min(...tracks.map((t) => t.startMs));
  const videos = tracks.flatMap((t, i) => (t.kind === 'video' ? [{ t, i }] : []));
  const audios = tracks.flatMap((t, i) => (t.kind === 'audio' ? [{ t, i }] : []));
  const tile = videos.length <= 1 ? TILE.single : TILE.grid;
  const cols = Math.ceil(Math.sqrt(videos.length));
  const parts: string[] = [];
  videos.forEach(({ t, i }, n) => {
    const offset = ((t.startMs - t0) / 1000).toFixed(3);
    parts.push(
      `[${i}:v]fps=15,scale=${tile.w}:${tile.h}:force_original_aspect_ratio=decrease,` +
        `pad=${tile.w}:${tile.h}:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p,` +
        `tpad=start_duration=${offset}:color=black[v${n}]`,
    );
  });
  if (videos.length === 1) parts.push('[v0]null[v]');
  if (videos.length > 1) {
    const layout = videos.map((_v, n) => `${(n % cols) * tile.w}_${Math.floor(n / cols) * tile.h}`);
    const inputs = videos.map((_v, n) => `[v${n}]`).join('');
    parts.push(`${inputs}xstack=inputs=${videos.length}:layout=${layout.join('|')}:fill=black[v]`);
  }
  audios.forEach(({ t, i }, n) => {
    const delay = Math.round(t.startMs - t0);
    parts.push(`[${i}:a]aresample=48000,adelay=delays=${delay}:all=1[a${n}]`);
  });
  if (audios.length === 1) parts.push('[a0]anull[a]');
  if (audios.length > 1) {
    const inputs = audios.map((_a, n) => `[a${n}]`).join('');
    parts.push(`${inputs}amix=inputs=${audios.length}:duration=longest:normalize=0[a]`);
  }
  return parts.join(';');
}

/**
 * Renders `rawDir` into `outFile` (written under a temporary name, then renamed: a half-written file is
 * never served). Throws NothingRecordedError when no track holds media.
 */
export async function renderRecording(rawDir: string, outFile: string): Promise<RenderedRecording> {
  const names = await readdir(rawDir).catch(() => [] as string[]);
  const raw = names.flatMap((name) => parseRawTrack(rawDir, name) ?? []);
  const work = path.join(rawDir, 'converted');
  await mkdir(work, { recursive: true });
  // janus-pp-rec depacketizes each track into a container ffmpeg reads; an empty track (a publisher that
  // never sent media) fails or yields nothing and is left out.
  const tracks: RawTrack[] = [];
  for (const track of raw) {
    const converted = path.join(
      work,
      `${path.basename(track.file, '.mjr')}.${track.kind === 'video' ? 'webm' : 'opus'}`,
    );
    try {
      await run('janus-pp-rec', [track.file, converted]);
      // Placed where its first packet was written; the recorder's creation (in the name) is the fallback.
      const startMs = (await firstPacketMs(track.file)) ?? track.startMs;
      if ((await stat(converted)).size > 0) tracks.push({ ...track, file: converted, startMs });
    } catch {
      // Nothing usable in this one.
    }
  }
  if (tracks.length === 0) throw new NothingRecordedError('no track holds media');
  const videoTracks = tracks.filter((t) => t.kind === 'video').length;
  const audioTracks = tracks.length - videoTracks;
  const partial = `${outFile}.part`;
  await mkdir(path.dirname(outFile), { recursive: true });
  const args = ['-hide_banner', '-loglevel', 'error', '-y'];
  for (const t of tracks) args.push('-i', t.file);
  args.push('-filter_complex', filterGraph(tracks));
  if (videoTracks > 0)
    args.push('-map', '[v]', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '1M');
  if (audioTracks > 0) args.push('-map', '[a]', '-c:a', 'libopus', '-b:a', '64k');
  args.push('-f', 'webm', partial);
  try {
    await run('ffmpeg', args);
    await rename(partial, outFile);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return { bytes: (await stat(outFile)).size, videoTracks, audioTracks };
}
