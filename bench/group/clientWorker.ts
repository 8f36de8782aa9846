/**
 * One client process of the group bench: hosts a share of the synthetic clients (their sockets, media,
 * encoders, decoders and peer connections) and does what the parent asks over IPC (workerProtocol.ts).
 *
 * Why processes: @roamhq/wrtc runs one network thread per process. With every client of a 20-person call in one
 * process that thread could not drain the sockets of 20 publishers and 20 subscribers on a loaded 2-core
 * machine; the kernel dropped datagrams (RcvbufErrors), bandwidth estimation throttled every sender and ICE
 * consent failed. A share per process gives each share its own network thread and event loop.
 *
 * Started by workerPool.ts with `fork`; never run by hand.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { AnswerCallResponse } from '../../src/shared/protocol/index.ts';
import { request } from '../signaling/backendApi.ts';
import { snapshot, windowStats, type ConnectionSnapshot } from './mediaStats.ts';
import { MeshClient } from './meshClient.ts';
import { SfuClient } from './sfuClient.ts';
import { SignalingSocket } from './signalingSocket.ts';
import { MediaClock, type SyntheticMedia } from '../../e2e/spec-client/syntheticMedia.ts';
import type {
  ClientTimes,
  FromWorker,
  ToWorker,
  WorkerClientSpec,
  WorkerReplies,
  WorkerRequest,
} from './workerProtocol.ts';

interface Hosted {
  spec: WorkerClientSpec;
  socket: SignalingSocket;
  client: SfuClient | MeshClient | null;
  media: SyntheticMedia | null;
}

type Setup = Extract<WorkerRequest, { type: 'connect' }>;

let setup: Setup | null = null;
let clock: MediaClock | null = null;
const hosted = new Map<number, Hosted>();
let window: {
  before: ConnectionSnapshot[];
  cpu: NodeJS.CpuUsage;
  at: number;
  loopDelay: ReturnType<typeof monitorEventLoopDelay>;
} | null = null;

// The parent gone (it exited or was killed): nothing left to do. process.exit, not a natural exit, because
// @roamhq/wrtc can crash tearing down native objects.
process.on('disconnect', () => process.exit(0));
process.on('message', (message: ToWorker) => {
  handle(message.request).then(
    (value) => send({ id: message.id, ok: true, value }),
    (error: unknown) => send({ id: message.id, ok: false, error: (error as Error).message }),
  );
});

function send(message: FromWorker): void {
  process.send?.(message);
}

function reportClientError(index: number) {
  return (error: Error) => send({ id: null, clientError: `client ${index}: ${error.message}` });
}

async function handle(req: WorkerRequest): Promise<WorkerReplies[WorkerRequest['type']]> {
  switch (req.type) {
    case 'connect':
      return connect(req);
    case 'attach':
      return attach(req.callId);
    case 'join':
      return join(req.index, req.answer, req.present);
    case 'first-frames':
      return firstFrames(req.timeoutMs);
    case 'window-start':
      return windowStart();
    case 'window-end':
      return windowEnd();
    case 'close':
      close();
      setImmediate(() => process.exit(0));
      return null;
    default:
      throw new Error(`unknown request ${(req as { type: string }).type}`);
  }
}

async function connect(req: Setup): Promise<WorkerReplies['connect']> {
  setup = req;
  clock = new MediaClock(req.format);
  for (const spec of req.clients) {
    const auth: Record<string, string> =
      req.topology === 'sfu'
        ? { token: spec.token ?? '', deviceId: spec.deviceId ?? '' }
        : { userId: spec.userId };
    const socket = await SignalingSocket.connect(req.url, auth, `${req.topology}${spec.index}`);
    hosted.set(spec.index, { spec, socket, client: null, media: null });
  }
  return { pid: process.pid };
}

function attach(callId: string): null {
  const { topology, simulcast, visible } = requireSetup();
  for (const entry of hosted.values()) {
    const media = clock!.open();
    entry.media = media;
    const onError = reportClientError(entry.spec.index);
    entry.client =
      topology === 'sfu'
        ? new SfuClient(entry.spec.userId, entry.socket, media, callId, { simulcast, visible }, onError)
        : new MeshClient(entry.spec.userId, entry.socket, media, callId, onError);
  }
  return null;
}

async function join(index: number, answer: boolean, present: string[]): Promise<null> {
  const { url } = requireSetup();
  const entry = hosted.get(index);
  if (!entry?.client) throw new Error(`client ${index} is not hosted here or not attached`);
  const { client, socket, spec } = entry;
  if (client instanceof SfuClient) {
    client.markJoined();
    if (answer) {
      await request(url, 'POST', `/api/calls/${client.callId}/answer`, AnswerCallResponse, {
        token: spec.token,
        body: { deviceId: spec.deviceId },
      });
    }
  } else {
    await client.join(present, (peerId) =>
      socket.request('bare:answer', { callId: client.callId, targetUserId: peerId }).then(() => undefined),
    );
  }
  return null;
}

async function firstFrames(timeoutMs: number): Promise<ClientTimes[]> {
  const deadline = performance.now() + timeoutMs;
  const clients = [...hosted.values()];
  await Promise.all(
    clients.map((e) => e.client?.frames.whenFirstFrame(Math.max(0, deadline - performance.now()))),
  );
  return clients.map(({ spec, client }) => ({
    index: spec.index,
    joinedAt: epoch(client?.joinedAt ?? null),
    firstFrameAt: epoch(client?.frames.firstFrameAt ?? null),
    topologyAt: epoch(client instanceof SfuClient ? client.topologyAt : null),
    publishedAt: epoch(client instanceof SfuClient ? client.publishedAt : null),
    resubscriptions: client instanceof SfuClient ? client.resubscriptions : 0,
  }));
}

async function windowStart(): Promise<null> {
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  const before = await Promise.all(connectionsByClient().map((pcs) => snapshot(pcs)));
  window = { before, cpu: process.cpuUsage(), at: performance.now(), loopDelay };
  loopDelay.enable();
  return null;
}

async function windowEnd(): Promise<WorkerReplies['window-end']> {
  if (!window) throw new Error('window-end without window-start');
  const { before, loopDelay } = window;
  loopDelay.disable();
  const cpu = process.cpuUsage(window.cpu);
  const seconds = (performance.now() - window.at) / 1000;
  const after = await Promise.all(connectionsByClient().map((pcs) => snapshot(pcs)));
  const indexes = [...hosted.keys()];
  window = null;
  return {
    stats: before.map((b, i) => ({ index: indexes[i]!, ...windowStats(b, after[i]!) })),
    cpuPercentOfOneCore: Math.round(((cpu.user + cpu.system) / 1e6 / seconds) * 1000) / 10,
    eventLoopDelayP99Ms: Math.round(loopDelay.percentile(99) / 1e6),
    rssBytes: process.memoryUsage.rss(),
    droppedAudioFrames: clock?.droppedAudioFrames ?? 0,
  };
}

function connectionsByClient(): RTCPeerConnection[][] {
  return [...hosted.values()].map((e) => e.client?.connections() ?? []);
}

function close(): void {
  for (const entry of hosted.values()) {
    entry.client?.close();
    entry.media?.stop();
    entry.socket.close();
  }
  hosted.clear();
}

function requireSetup(): Setup {
  if (!setup) throw new Error('not connected yet');
  return setup;
}

/** performance.now() of this process -> epoch milliseconds, comparable across processes. */
function epoch(at: number | null): number | null {
  return at === null ? null : performance.timeOrigin + at;
}
