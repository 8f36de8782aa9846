/**
 * `npm run bench:call`: how long a user waits for the other person's face.
 *
 * Against the real backend and the built web client in Chromium (fake camera), CALLS calls in a row: the time
 * from the "video call" click to the first remote video frame decoded on the caller's side (framesDecoded > 0
 * in getStats). The callee answers the instant the incoming-call screen appears (an in-page observer, so no
 * test-driver round trip is counted). Beside it, the floor: two bare RTCPeerConnections in the same page of the
 * same browser, from getUserMedia to the first decoded frame. Goal: p50 within 1.5x of the floor.
 * A second floor prefers VP9 like the engine does (spec: VP9 > VP8 > H.264): VP9's first keyframe takes a few
 * hundred milliseconds longer than the browser's default VP8, which is the codec's cost, not the app's.
 * Results are printed and written as JSON to bench/results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { Page } from 'playwright-core';
import { createConversation, registerUser } from '../e2e/support/api.ts';
import type { TestUser } from '../e2e/support/api.ts';
import { startBackend } from '../e2e/support/backend.ts';
import { chromiumArgs, chromiumPath } from '../e2e/support/fakeCamera.ts';

const CALLS = 20;
const GOAL_RATIO = 1.5;
/** How often the page polls getStats for the first frame: the measurement's resolution. */
const POLL_MS = 5;
/**
 * `CALL_BENCH_PROFILE=1`: every call also prints where its time went, from hooks this bench puts around the
 * page's own APIs (fetch, getUserMedia, RTCPeerConnection, the signaling WebSocket) as performance marks.
 * Profiling only: the app itself logs nothing, and without the variable nothing is hooked.
 */
const PROFILE = process.env.CALL_BENCH_PROFILE === '1';

interface BenchWindow {
  __callDebug?: {
    engine: { getPeerStats(userId: string): Promise<{ framesDecoded: number }> } | null;
    store: { getState(): { call: { current: unknown } } };
  };
}

/** One performance mark of a profiled page, on the wall clock so that both pages share a time axis. */
interface ProfileMark {
  page: 'caller' | 'callee';
  name: string;
  at: number;
}

/** Runs in every page before its scripts (addInitScript): marks around the APIs a call goes through. */
function installProfilingHooks(): void {
  const mark = (name: string) => performance.mark(`cb:${name}`);
  const nativeFetch = window.fetch.bind(window);
  window.fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const route = new URL(url, location.href).pathname.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, ':id');
    const label = `${init?.method ?? 'GET'} ${route}`;
    mark(`fetch> ${label}`);
    try {
      return await nativeFetch(input, init);
    } finally {
      mark(`fetch< ${label}`);
    }
  };

  const nativeGetUserMedia = MediaDevices.prototype.getUserMedia;
  MediaDevices.prototype.getUserMedia = async function (constraints) {
    mark('getUserMedia>');
    try {
      return await nativeGetUserMedia.call(this, constraints);
    } finally {
      mark('getUserMedia<');
    }
  };

  const Native = window.RTCPeerConnection;
  for (const method of ['setLocalDescription', 'setRemoteDescription'] as const) {
    const original = Native.prototype[method] as (...args: unknown[]) => Promise<void>;
    Native.prototype[method] = async function (this: RTCPeerConnection, ...args: unknown[]) {
      const type = (args[0] as RTCSessionDescriptionInit | undefined)?.type ?? 'implicit';
      mark(`${method}> ${type}`);
      try {
        return await original.apply(this, args);
      } finally {
        mark(`${method}< ${type}`);
      }
    } as never;
  }
  const nativeAddIceCandidate = Native.prototype.addIceCandidate as (...args: unknown[]) => Promise<void>;
  Native.prototype.addIceCandidate = function (this: RTCPeerConnection, ...args: unknown[]) {
    mark('addIceCandidate');
    return nativeAddIceCandidate.apply(this, args);
  } as never;
  window.RTCPeerConnection = class extends Native {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      mark('pc new');
      let candidates = 0;
      this.addEventListener('negotiationneeded', () => mark('pc negotiationneeded'));
      this.addEventListener('icecandidate', (e) => {
        if (e.candidate && candidates++ === 0) mark(`pc first candidate (${e.candidate.type})`);
        if (!e.candidate) mark(`pc gathering done (${candidates})`);
      });
      this.addEventListener('iceconnectionstatechange', () => mark(`pc ice ${this.iceConnectionState}`));
      this.addEventListener('track', (e) => mark(`pc track ${e.track.kind}`));
      this.addEventListener('connectionstatechange', () => {
        mark(`pc ${this.connectionState}`);
        if (this.connectionState !== 'connected') return;
        // Sent/received frames from here on, to split the last stretch into encoder and decoder time.
        const poll = setInterval(() => {
          if (this.connectionState !== 'connected') return clearInterval(poll);
          void this.getStats().then((report) => {
            for (const entry of report.values()) {
              if (entry.kind !== 'video') continue;
              if (entry.type === 'outbound-rtp' && entry.framesSent > 0) mark('pc first video frame sent');
              if (entry.type === 'inbound-rtp' && entry.framesReceived > 0)
                mark('pc first video frame received');
            }
          });
        }, 5);
      });
    }
  };

  const ackEvents = new Map<string, string>();
  window.WebSocket = class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      this.addEventListener('message', (e) => {
        const packet = /^4([23])(\d*)\["?([^",\]]*)/.exec(String(e.data));
        if (!packet) return;
        const [, type, id, name] = packet;
        mark(type === '2' ? `ws< ${name}` : `ws< ack ${ackEvents.get(id!) ?? '?'}`);
      });
    }

    override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
      const packet = /^42(\d*)\["([^"]*)"/.exec(String(data));
      if (packet) {
        if (packet[1]) ackEvents.set(packet[1], packet[2]!);
        mark(`ws> ${packet[2]}`);
      }
      super.send(data as string);
    }
  };
}

/** The marks of a page since the last call, cleared for the next one; each kind counted once (its first). */
async function takeMarks(page: Page, role: ProfileMark['page']): Promise<ProfileMark[]> {
  const marks = await page.evaluate(() => {
    const entries = performance
      .getEntriesByType('mark')
      .filter((m) => m.name.startsWith('cb:'))
      .map((m) => ({ name: m.name.slice(3), at: performance.timeOrigin + m.startTime }));
    performance.clearMarks();
    return entries;
  });
  const seen = new Set<string>();
  return marks
    .filter((m) => !seen.has(m.name) && seen.add(m.name))
    .map((m) => ({ page: role, name: m.name, at: m.at }));
}

/** Every mark's median offset from the click, in the order a call goes through them. */
function printProfile(calls: ProfileMark[][]): void {
  const offsets = new Map<string, number[]>();
  for (const marks of calls) {
    const click = marks.find((m) => m.page === 'caller' && m.name === 'click')?.at;
    if (click === undefined) continue;
    for (const m of marks) {
      const key = `${m.page.padEnd(6)} ${m.name}`;
      offsets.set(key, [...(offsets.get(key) ?? []), m.at - click]);
    }
  }
  const rows = [...offsets].map(([key, values]) => ({ key, p50: percentile(values, 50), n: values.length }));
  console.log('\nmedian offset from the click (ms), over the profiled calls:');
  for (const row of rows.sort((a, b) => a.p50 - b.p50)) {
    console.log(
      `  ${row.p50.toFixed(0).padStart(6)}  ${row.key}${row.n < calls.length ? ` (${row.n}x)` : ''}`,
    );
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function signIn(page: Page, url: string, user: TestUser): Promise<void> {
  await page.goto(`${url}/?debug=1`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.locator('button[type="submit"]').click();
  await page.getByTestId('contacts').waitFor();
}

/** Clicks "video call" and resolves with the milliseconds until the first decoded frame from `peerId`. */
function timeOneCall(page: Page, peerEmail: string, peerId: string): Promise<number> {
  return page.evaluate(
    async ({ email, id, pollMs }) => {
      const w = window as unknown as BenchWindow;
      const button = document.querySelector<HTMLButtonElement>(
        `[data-testid="person-row"][data-email="${email}"] [data-testid="call-video"]`,
      );
      if (!button) throw new Error('call button not found');
      performance.mark('cb:click');
      const start = performance.now();
      button.click();
      for (;;) {
        const stats = await w.__callDebug?.engine?.getPeerStats(id).catch(() => null);
        if (stats && stats.framesDecoded > 0) {
          performance.mark('cb:first frame decoded');
          return performance.now() - start;
        }
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
    },
    { email: peerEmail, id: peerId, pollMs: POLL_MS },
  );
}

/**
 * The floor: capture, two peer connections in one page, offer/answer/ICE in memory, first decoded frame;
 * with `videoCodec`, that codec is preferred the way the engine prefers VP9.
 */
function timeBareConnection(page: Page, videoCodec: string | null): Promise<number> {
  return page.evaluate(
    async ({ pollMs, codec }) => {
      const start = performance.now();
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: true,
        video: { width: 1280, height: 720 },
      });
      const sender = new RTCPeerConnection();
      const receiver = new RTCPeerConnection();
      sender.onicecandidate = (e) => void receiver.addIceCandidate(e.candidate ?? undefined);
      receiver.onicecandidate = (e) => void sender.addIceCandidate(e.candidate ?? undefined);
      for (const track of stream.getTracks()) sender.addTrack(track, stream);
      const video = sender.getTransceivers().find((t) => t.sender.track?.kind === 'video');
      const codecs = RTCRtpSender.getCapabilities('video')?.codecs ?? [];
      if (codec && video) {
        video.setCodecPreferences([
          ...codecs.filter((c) => c.mimeType === codec),
          ...codecs.filter((c) => c.mimeType !== codec),
        ]);
      }
      await sender.setLocalDescription();
      await receiver.setRemoteDescription(sender.localDescription!);
      await receiver.setLocalDescription();
      await sender.setRemoteDescription(receiver.localDescription!);
      try {
        for (;;) {
          const report = await receiver.getStats();
          for (const entry of report.values()) {
            if (entry.type === 'inbound-rtp' && entry.kind === 'video' && entry.framesDecoded > 0) {
              return performance.now() - start;
            }
          }
          await new Promise((resolve) => setTimeout(resolve, pollMs));
        }
      } finally {
        stream.getTracks().forEach((t) => t.stop());
        sender.close();
        receiver.close();
      }
    },
    { pollMs: POLL_MS, codec: videoCodec },
  );
}

async function waitUntilIdle(pages: Page[]): Promise<void> {
  for (const page of pages) {
    await page.waitForFunction(
      () => (window as unknown as BenchWindow).__callDebug?.store.getState().call.current === null,
    );
  }
}

async function main(): Promise<void> {
  const backend = await startBackend();
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs() });
  try {
    const alice = await registerUser(backend.url, 'Alice Bench');
    const bob = await registerUser(backend.url, 'Bob Bench');
    await createConversation(backend.url, alice, [bob]);
    const openPage = async () => {
      const context = await browser.newContext();
      if (PROFILE) await context.addInitScript(installProfilingHooks);
      return context.newPage();
    };
    const caller = await openPage();
    const callee = await openPage();
    await signIn(caller, backend.url, alice);
    await signIn(callee, backend.url, bob);
    // The callee picks up the moment the incoming-call screen renders.
    await callee.evaluate(() => {
      new MutationObserver(() => {
        const answer = document.querySelector<HTMLButtonElement>('[data-testid="answer-video"]');
        if (!answer) return;
        performance.mark('cb:answer click');
        answer.click();
      }).observe(document.body, { childList: true, subtree: true });
    });

    // Warm-up, not counted: the first capture of a browser opens the (fake) devices from cold.
    await timeBareConnection(caller, null);
    const callMs: number[] = [];
    const floorMs: number[] = [];
    const vp9FloorMs: number[] = [];
    const profiles: ProfileMark[][] = [];
    for (let i = 0; i < CALLS; i++) {
      floorMs.push(await timeBareConnection(caller, null));
      vp9FloorMs.push(await timeBareConnection(caller, 'video/VP9'));
      if (PROFILE) await Promise.all([takeMarks(caller, 'caller'), takeMarks(callee, 'callee')]);
      callMs.push(await timeOneCall(caller, bob.email, bob.id));
      if (PROFILE) {
        const marks = await Promise.all([takeMarks(caller, 'caller'), takeMarks(callee, 'callee')]);
        profiles.push(marks.flat());
      }
      await caller.getByTestId('hang-up').click();
      await waitUntilIdle([caller, callee]);
      process.stdout.write(
        `  call ${String(i + 1).padStart(2)}: ${callMs[i]!.toFixed(0)} ms ` +
          `(floor ${floorMs[i]!.toFixed(0)} ms, VP9 floor ${vp9FloorMs[i]!.toFixed(0)} ms)\n`,
      );
    }

    if (PROFILE) printProfile(profiles);
    const summary = {
      benchmark: 'call-setup',
      calls: CALLS,
      measuredFrom: 'video call click',
      measuredTo: 'first remote video frame decoded (getStats framesDecoded > 0) on the caller',
      callMs: { p50: percentile(callMs, 50), p95: percentile(callMs, 95), samples: callMs },
      floorMs: { p50: percentile(floorMs, 50), p95: percentile(floorMs, 95), samples: floorMs },
      vp9FloorMs: { p50: percentile(vp9FloorMs, 50), p95: percentile(vp9FloorMs, 95), samples: vp9FloorMs },
      ratioP50: percentile(callMs, 50) / percentile(floorMs, 50),
      ratioP50VsVp9Floor: percentile(callMs, 50) / percentile(vp9FloorMs, 50),
      goalRatioP50: GOAL_RATIO,
      chromium: browser.version(),
      date: new Date().toISOString(),
    };
    const met = summary.ratioP50 <= GOAL_RATIO;
    console.log(
      `\ncall setup  p50 ${summary.callMs.p50.toFixed(0)} ms   p95 ${summary.callMs.p95.toFixed(0)} ms\n` +
        `floor       p50 ${summary.floorMs.p50.toFixed(0)} ms   p95 ${summary.floorMs.p95.toFixed(0)} ms\n` +
        `VP9 floor   p50 ${summary.vp9FloorMs.p50.toFixed(0)} ms   p95 ${summary.vp9FloorMs.p95.toFixed(0)} ms\n` +
        `ratio p50   ${summary.ratioP50.toFixed(2)}x  (goal <= ${GOAL_RATIO}x: ${met ? 'met' : 'NOT met'}); ` +
        `${summary.ratioP50VsVp9Floor.toFixed(2)}x the VP9 floor`,
    );
    const dir = path.resolve(import.meta.dirname, 'results');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `call-${summary.date.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
    console.log(`written to ${path.relative(process.cwd(), file)}`);
  } finally {
    await browser.close();
    await backend.stop();
  }
}

await main();
