/**
 * `npm run bench:call [-- --calls 20 --ring-ms 1500]`: how long people wait for each other's voice and face.
 *
 * Against the real backend and the built web client in Chromium (fake camera), per round: two calls and the
 * floors beside them, in the same browser and run.
 * - A call picked up the instant the incoming-call screen renders: **click -> first remote frame** on the
 *   caller, and answer -> first media with no time to pre-connect.
 * - A call picked up after ringing `--ring-ms`: **answer click -> first remote audio** and **answer click ->
 *   first remote video frame** (the later of the two sides), what instant answer is for.
 * First media is detected on the receiving page (call/firstMedia.ts), never from the sender. The floors
 * (call/floors.ts) are two bare RTCPeerConnections in one page: capture -> first frame (beside the click),
 * a pre-connected pair that starts sending (beside answer after a ring), and negotiation from captured media
 * (beside answer at once). Goals on loopback: answer -> audio p50 <= 150 ms, answer -> video p50 <= 300 ms.
 * The callee's answer is clicked from inside its page (no test-driver round trip is counted). Results are
 * printed and written as JSON to bench/results/. CALL_BENCH_PROFILE=1 adds where the time went (call/profile.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import type { Page } from 'playwright-core';
import { createConversation, registerUser } from '../e2e/support/api.ts';
import type { TestUser } from '../e2e/support/api.ts';
import { startBackend } from '../e2e/support/backend.ts';
import { chromiumArgs, chromiumPath } from '../e2e/support/fakeCamera.ts';
import { firstMedia, installFirstMediaHooks, resetFirstMedia } from './call/firstMedia.ts';
import { measurePreconnectedFloor, measureSetupFloor } from './call/floors.ts';
import type { PreconnectedFloor, SetupFloor } from './call/floors.ts';
import { installProfilingHooks, printProfile, takeMarks } from './call/profile.ts';
import type { ProfileMark } from './call/profile.ts';
import { distribution } from './call/stats.ts';
import type { Distribution } from './call/stats.ts';
import { readIntegerOptions } from './integerOptions.ts';

const GOAL_ANSWER_TO_AUDIO_MS = 150;
const GOAL_ANSWER_TO_VIDEO_MS = 300;
const PROFILE = process.env.CALL_BENCH_PROFILE === '1';

interface BenchWindow {
  __callDebug?: { store: { getState(): { call: { current: unknown } } } };
  __ringMs?: number;
  __answerAt?: number;
  __clickAt?: number;
}

/** One call, all on the wall clock (ms). */
interface CallTimes {
  clickAt: number;
  answerAt: number;
  caller: { audio: number; video: number };
  callee: { audio: number; video: number };
}

async function signIn(page: Page, url: string, user: TestUser): Promise<void> {
  await page.goto(`${url}/?debug=1`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.locator('button[type="submit"]').click();
  await page.getByTestId('contacts').waitFor();
}

/** The callee picks up `window.__ringMs` after the incoming-call screen renders (in-page: no driver delay). */
async function answerWhenRinging(callee: Page): Promise<void> {
  await callee.evaluate(() => {
    const w = window as unknown as BenchWindow;
    let pending = false;
    new MutationObserver(() => {
      const answer = document.querySelector<HTMLButtonElement>('[data-testid="answer-video"]');
      if (!answer || pending) return;
      pending = true;
      setTimeout(() => {
        pending = false;
        performance.mark('cb:answer click');
        w.__answerAt = performance.timeOrigin + performance.now();
        answer.click();
      }, w.__ringMs ?? 0);
    }).observe(document.body, { childList: true, subtree: true });
  });
}

/** Clicks "video call" on the caller and waits until both sides receive audio and video from the other. */
async function placeCall(caller: Page, callee: Page, peerEmail: string, ringMs: number): Promise<CallTimes> {
  await Promise.all([resetFirstMedia(caller), resetFirstMedia(callee)]);
  await callee.evaluate((ms) => ((window as unknown as BenchWindow).__ringMs = ms), ringMs);
  await caller.evaluate((email) => {
    const button = document.querySelector<HTMLButtonElement>(
      `[data-testid="person-row"][data-email="${email}"] [data-testid="call-video"]`,
    );
    if (!button) throw new Error('call button not found');
    performance.mark('cb:click');
    (window as unknown as BenchWindow).__clickAt = performance.timeOrigin + performance.now();
    button.click();
  }, peerEmail);
  const [callerMedia, calleeMedia] = await Promise.all([firstMedia(caller), firstMedia(callee)]);
  const clickAt = await caller.evaluate(() => (window as unknown as BenchWindow).__clickAt!);
  const answerAt = await callee.evaluate(() => (window as unknown as BenchWindow).__answerAt!);
  return { clickAt, answerAt, caller: callerMedia, callee: calleeMedia };
}

async function waitUntilIdle(pages: Page[]): Promise<void> {
  for (const page of pages) {
    await page.waitForFunction(
      () => (window as unknown as BenchWindow).__callDebug?.store.getState().call.current === null,
    );
  }
}

/** Answer -> media as both people get it: the later of the two sides (callee hears caller, and the reverse). */
function answerTo(kind: 'audio' | 'video', call: CallTimes): number {
  return Math.max(call.caller[kind], call.callee[kind]) - call.answerAt;
}

function readOptions(): { calls: number; ringMs: number } {
  const { values } = parseArgs({
    options: { calls: { type: 'string', default: '20' }, 'ring-ms': { type: 'string', default: '1500' } },
  });
  return readIntegerOptions(values, { calls: [1, 1000], ringMs: [0, 60_000] });
}

const fmt = (ms: number) => ms.toFixed(0).padStart(5);
const row = (label: string, d: Distribution, floor?: Distribution) =>
  `${label.padEnd(50)} p50 ${fmt(d.p50)} ms  p95 ${fmt(d.p95)} ms` +
  (floor ? `   ${(d.p50 / floor.p50).toFixed(2)}x floor p50` : '');

async function main(): Promise<void> {
  const { calls, ringMs } = readOptions();
  const backend = await startBackend();
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs() });
  try {
    const alice = await registerUser(backend.url, 'Alice Bench');
    const bob = await registerUser(backend.url, 'Bob Bench');
    await createConversation(backend.url, alice, [bob]);
    const openPage = async () => {
      const context = await browser.newContext();
      await context.addInitScript(installFirstMediaHooks);
      if (PROFILE) await context.addInitScript(installProfilingHooks);
      return context.newPage();
    };
    const caller = await openPage();
    const callee = await openPage();
    await signIn(caller, backend.url, alice);
    await signIn(callee, backend.url, bob);
    await answerWhenRinging(callee);

    // Warm-up, not counted: the first capture of a browser opens the (fake) devices from cold.
    await measureSetupFloor(caller, null);
    const floors: SetupFloor[] = [];
    const vp9Floors: SetupFloor[] = [];
    const preconnected: PreconnectedFloor[] = [];
    const instant: CallTimes[] = [];
    const ringing: CallTimes[] = [];
    const profiles: ProfileMark[][] = [];
    const hangUp = async () => {
      await caller.getByTestId('hang-up').click();
      await waitUntilIdle([caller, callee]);
    };
    for (let i = 0; i < calls; i++) {
      floors.push(await measureSetupFloor(caller, null));
      vp9Floors.push(await measureSetupFloor(caller, 'video/VP9'));
      preconnected.push(await measurePreconnectedFloor(caller));
      instant.push(await placeCall(caller, callee, bob.email, 0));
      await hangUp();
      // Profiled: the call that rang, where the time after the answer is what instant answer is about.
      if (PROFILE) await Promise.all([takeMarks(caller, 'caller'), takeMarks(callee, 'callee')]);
      ringing.push(await placeCall(caller, callee, bob.email, ringMs));
      if (PROFILE)
        profiles.push((await Promise.all([takeMarks(caller, 'caller'), takeMarks(callee, 'callee')])).flat());
      await hangUp();
      const a = instant[i]!;
      const r = ringing[i]!;
      console.log(
        `  call ${String(i + 1).padStart(2)}: click->frame ${fmt(a.caller.video - a.clickAt)} ms | ` +
          `picked up at once: answer->audio ${fmt(answerTo('audio', a))} video ${fmt(answerTo('video', a))} | ` +
          `after ${ringMs} ms ring: answer->audio ${fmt(answerTo('audio', r))} video ${fmt(answerTo('video', r))} | ` +
          `floors: frame ${fmt(floors[i]!.captureToFrameMs)}, pre-connected audio ${fmt(preconnected[i]!.sendToAudioMs)} video ${fmt(preconnected[i]!.sendToFrameMs)}`,
      );
    }

    if (PROFILE) printProfile(profiles);
    const summary = {
      benchmark: 'call-setup',
      calls,
      ringMs,
      detection:
        'receiving side: remote track unmute (audio), requestVideoFrameCallback on a <video> (video)',
      clickToFirstFrameMs: distribution(instant.map((c) => c.caller.video - c.clickAt)),
      pickedUpAtOnce: {
        answerToAudioMs: distribution(instant.map((c) => answerTo('audio', c))),
        answerToVideoMs: distribution(instant.map((c) => answerTo('video', c))),
      },
      pickedUpAfterRing: {
        answerToAudioMs: distribution(ringing.map((c) => answerTo('audio', c))),
        answerToVideoMs: distribution(ringing.map((c) => answerTo('video', c))),
        calleeHearsCallerMs: distribution(ringing.map((c) => c.callee.audio - c.answerAt)),
        callerHearsCalleeMs: distribution(ringing.map((c) => c.caller.audio - c.answerAt)),
      },
      floor: {
        captureToFrameMs: distribution(floors.map((f) => f.captureToFrameMs)),
        vp9CaptureToFrameMs: distribution(vp9Floors.map((f) => f.captureToFrameMs)),
        negotiateToAudioMs: distribution(floors.map((f) => f.negotiateToAudioMs)),
        negotiateToFrameMs: distribution(floors.map((f) => f.negotiateToFrameMs)),
        preconnectedToAudioMs: distribution(preconnected.map((f) => f.sendToAudioMs)),
        preconnectedToFrameMs: distribution(preconnected.map((f) => f.sendToFrameMs)),
      },
      goals: { answerToAudioP50Ms: GOAL_ANSWER_TO_AUDIO_MS, answerToVideoP50Ms: GOAL_ANSWER_TO_VIDEO_MS },
      chromium: browser.version(),
      date: new Date().toISOString(),
    };
    const { floor, pickedUpAfterRing: ring, pickedUpAtOnce: once } = summary;
    const audioMet = ring.answerToAudioMs.p50 <= GOAL_ANSWER_TO_AUDIO_MS;
    const videoMet = ring.answerToVideoMs.p50 <= GOAL_ANSWER_TO_VIDEO_MS;
    const table: Array<[string, Distribution, Distribution?]> = [
      [
        'click -> first remote frame (picked up at once)',
        summary.clickToFirstFrameMs,
        floor.captureToFrameMs,
      ],
      ['  floor: capture -> first frame', floor.captureToFrameMs],
      ['  floor: capture -> first frame, VP9', floor.vp9CaptureToFrameMs],
      [`answer -> first remote audio (${ringMs} ms ring)`, ring.answerToAudioMs, floor.preconnectedToAudioMs],
      [`answer -> first remote frame (${ringMs} ms ring)`, ring.answerToVideoMs, floor.preconnectedToFrameMs],
      ['  callee hears caller', ring.calleeHearsCallerMs],
      ['  caller hears callee', ring.callerHearsCalleeMs],
      ['  floor: pre-connected pair, send -> audio', floor.preconnectedToAudioMs],
      ['  floor: pre-connected pair, send -> frame', floor.preconnectedToFrameMs],
      ['answer -> first remote audio (picked up at once)', once.answerToAudioMs, floor.negotiateToAudioMs],
      ['answer -> first remote frame (picked up at once)', once.answerToVideoMs, floor.negotiateToFrameMs],
      ['  floor: captured, negotiate -> audio', floor.negotiateToAudioMs],
      ['  floor: captured, negotiate -> frame', floor.negotiateToFrameMs],
    ];
    console.log(
      ['', ...table.map(([label, d, floorOf]) => row(label, d, floorOf))].join('\n') +
        `\ngoal answer -> audio p50 <= ${GOAL_ANSWER_TO_AUDIO_MS} ms: ${audioMet ? 'met' : 'NOT met'}; ` +
        `answer -> video p50 <= ${GOAL_ANSWER_TO_VIDEO_MS} ms: ${videoMet ? 'met' : 'NOT met'}`,
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
