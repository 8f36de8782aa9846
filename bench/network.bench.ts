/**
 * `npm run bench:network` (root: it builds a NatLab, see e2e/support/natLab.ts): how the app's calls cope
 * with a bad network, beside two bare RTCPeerConnections under the same impairment in the same run.
 *
 * Alice and Bob are each behind a NAT, media through coturn. Impairments: random loss of 2, 5 and 10 % on
 * what Alice receives (nftables numgen), and a cap of 1000, 500 and 300 kbit/s on Bob's uplink (tc tbf).
 * For each, a fresh app call (Bob's camera is Chromium's animated fake at 1280x720), then a fresh bare pair
 * (the same cameras, relay-only through the same coturn, no ladder, Chromium's own adaptation only), each
 * watched for WATCH_MS from the first frame on Alice's side:
 *   steady after: when the last stall (no new frame for > 500 ms) ended, i.e. the time to adapt;
 *   stalled: seconds without a new frame, summed over those stalls;
 *   kbps, fps, height: what Alice received over the last 10 s;
 *   indicator: the app only, how often Alice's badge of Bob said good / fair / poor (sampled every 250 ms).
 * Results are printed and written as JSON to bench/results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { TurnCredentialsResponse } from '../src/shared/protocol/index.ts';
import { dial, startLabCall, watchVideo } from '../e2e/support/labCall.ts';
import type { Closable, LabCall, VideoSample, VideoWatch } from '../e2e/support/labCall.ts';
import { NatLab, natLabUnavailable } from '../e2e/support/natLab.ts';

const WATCH_MS = 20_000;
const TAIL_MS = 10_000;

type Impairment = { kind: 'loss'; percent: number } | { kind: 'cap'; kbit: number };
const IMPAIRMENTS: Impairment[] = [
  { kind: 'loss', percent: 2 },
  { kind: 'loss', percent: 5 },
  { kind: 'loss', percent: 10 },
  { kind: 'cap', kbit: 1000 },
  { kind: 'cap', kbit: 500 },
  { kind: 'cap', kbit: 300 },
];

const label = (i: Impairment) => (i.kind === 'loss' ? `${i.percent} % loss` : `${i.kbit} kbit/s cap`);

interface Row {
  impairment: string;
  path: 'app' | 'bare';
  steadyAfterS: number;
  stalledS: number;
  longestStallS: number;
  kbps: number;
  fps: number;
  height: number | null;
  indicator: { good: number; fair: number; poor: number } | null;
}

function summarize(impairment: Impairment, pathName: Row['path'], watch: VideoWatch): Omit<Row, 'indicator'> {
  const last = watch.samples.at(-1)!;
  const tailStart = watch.samples.find((s) => s.at >= last.at - TAIL_MS) ?? watch.samples[0]!;
  const seconds = (last.at - tailStart.at) / 1000;
  const round1 = (n: number) => Math.round(n * 10) / 10;
  return {
    impairment: label(impairment),
    path: pathName,
    steadyAfterS: round1(watch.steadyAfterMs / 1000),
    stalledS: round1(watch.stalledMs / 1000),
    longestStallS: round1(watch.longestStallMs / 1000),
    kbps: Math.round(((last.bytes - tailStart.bytes) * 8) / seconds / 1000),
    fps: round1((last.frames - tailStart.frames) / seconds),
    height: last.height,
  };
}

function impair(lab: NatLab, impairment: Impairment | null): void {
  lab.setLoss('a', impairment?.kind === 'loss' ? impairment.percent : 0);
  lab.setUplinkCap('b', impairment?.kind === 'cap' ? impairment.kbit : null);
}

/** The app call: Alice's view of Bob through the engine, and what her badge of Bob says meanwhile. */
async function measureApp(call: LabCall, impairment: Impairment): Promise<Row> {
  const indicator = { good: 0, fair: 0, poor: 0 };
  const watch = await watchVideo(async () => {
    const [stats, quality] = await Promise.all([
      call.a.stats(call.bob),
      call.a
        .tileOf(call.bob)
        .getByTestId('quality')
        .getAttribute('data-quality', { timeout: 200 })
        .catch(() => null),
    ]);
    if (quality === 'good' || quality === 'fair' || quality === 'poor') indicator[quality] += 1;
    return {
      frames: stats?.framesDecoded ?? 0,
      bytes: stats?.bytesReceived ?? 0,
      height: stats?.frameHeight ?? null,
    };
  }, WATCH_MS);
  return { ...summarize(impairment, 'app', watch), indicator };
}

/** Runs in both bare pages: one relay-only connection with the page's camera and microphone. */
async function openBare(page: Page, server: RTCIceServer, remote: RTCSessionDescriptionInit | null) {
  return page.evaluate(
    async ({ server, remote }) => {
      const w = window as unknown as { bare?: RTCPeerConnection };
      const pc = new RTCPeerConnection({ iceServers: [server], iceTransportPolicy: 'relay' });
      w.bare = pc;
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: true,
        video: { width: 1280, height: 720 },
      });
      if (remote) await pc.setRemoteDescription(remote);
      stream.getTracks().forEach((track) => pc.addTrack(track, stream));
      await pc.setLocalDescription();
      // Non-trickle: the description carries every candidate, so one exchange through the driver does.
      await new Promise<void>((resolve) => {
        if (pc.iceGatheringState === 'complete') resolve();
        pc.addEventListener(
          'icegatheringstatechange',
          () => pc.iceGatheringState === 'complete' && resolve(),
        );
      });
      return { type: pc.localDescription!.type, sdp: pc.localDescription!.sdp };
    },
    { server, remote },
  );
}

function readBare(page: Page): Promise<Omit<VideoSample, 'at'>> {
  return page.evaluate(async () => {
    const pc = (window as unknown as { bare?: RTCPeerConnection }).bare;
    const result = { frames: 0, bytes: 0, height: null as number | null };
    if (!pc) return result;
    (await pc.getStats()).forEach((e: Record<string, unknown>) => {
      if (e.type !== 'inbound-rtp') return;
      result.bytes += ((e.bytesReceived as number) ?? 0) + ((e.headerBytesReceived as number) ?? 0);
      if (e.kind === 'video') {
        result.frames += (e.framesDecoded as number) ?? 0;
        result.height = (e.frameHeight as number) ?? result.height;
      }
    });
    return result;
  });
}

async function measureBare(call: LabCall, server: RTCIceServer, impairment: Impairment): Promise<Row> {
  const [alicePage, bobPage] = await Promise.all([call.browsers.a.newPage(), call.browsers.b.newPage()]);
  try {
    // Any page of the lab origin: getUserMedia needs the origin the browsers treat as secure.
    await Promise.all([alicePage.goto(`${call.origin}/`), bobPage.goto(`${call.origin}/`)]);
    const offer = await openBare(bobPage, server, null);
    const answer = await openBare(alicePage, server, offer);
    await bobPage.evaluate(async (answer) => {
      await (window as unknown as { bare: RTCPeerConnection }).bare.setRemoteDescription(answer);
    }, answer);
    const firstFrameBy = Date.now() + 30_000;
    while ((await readBare(alicePage)).frames === 0 && Date.now() < firstFrameBy) {
      await alicePage.waitForTimeout(100);
    }
    const watch = await watchVideo(() => readBare(alicePage), WATCH_MS);
    return { ...summarize(impairment, 'bare', watch), indicator: null };
  } finally {
    await Promise.all([alicePage.close(), bobPage.close()]);
  }
}

async function main(): Promise<void> {
  const unavailable = natLabUnavailable();
  if (unavailable) throw new Error(`bench:network needs the NAT lab: ${unavailable}`);
  const lab = NatLab.create();
  const running: Closable[] = [];
  const rows: Row[] = [];
  try {
    impair(lab, IMPAIRMENTS[0]!);
    const call = await startLabCall(lab, running, 'moving');
    const response = await fetch(`${call.origin}/api/calls/turn-credentials`, {
      headers: { authorization: `Bearer ${call.alice.token}` },
    });
    const { credentials } = TurnCredentialsResponse.parse(await response.json());
    if (!credentials) throw new Error('the lab backend hands out no TURN credentials');
    for (const [index, impairment] of IMPAIRMENTS.entries()) {
      impair(lab, impairment);
      if (index > 0) await dial(call);
      rows.push(await measureApp(call, impairment));
      await call.a.hangUp();
      rows.push(await measureBare(call, credentials, impairment));
      console.log(`${label(impairment)}: done`);
    }
  } finally {
    for (const item of running.splice(0).reverse()) await item.close().catch(() => undefined);
    lab.destroy();
  }

  console.table(
    rows.map((r) => ({
      ...r,
      indicator: r.indicator ? `${r.indicator.good}/${r.indicator.fair}/${r.indicator.poor}` : 'n/a',
    })),
  );
  const dir = path.join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `network-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const summary = { watchMs: WATCH_MS, tailMs: TAIL_MS, indicatorColumns: 'good/fair/poor samples', rows };
  writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`written to ${path.relative(process.cwd(), file)}`);
}

await main();
