/**
 * The engine through a real TURN server: a loopback coturn started for this file, credentials in the
 * TURN REST format the backend issues, and iceTransportPolicy 'relay' so no direct path can stand in.
 */
import { afterAll, afterEach, beforeAll, expect, test, vi } from 'vitest';
import { CallEngine } from './index.ts';
import type { CallEngineErrorEvent, IceServersInfo } from './index.ts';
import { LoopbackSignaling } from './testSupport/loopbackSignaling.ts';
import { startTurnServer, stopTurnServer } from './testSupport/turnServer.ts';
import type { TestTurnServer } from './testSupport/turnServer.ts';

let turn: TestTurnServer | null = null;
beforeAll(async () => {
  turn = await startTurnServer();
});
afterAll(() => stopTurnServer());

const engines: CallEngine[] = [];
afterEach(() => {
  engines.splice(0).forEach((engine) => engine.cleanup());
});

function relayOnlyEngine(
  signaling: LoopbackSignaling,
  callId: string,
  userId: string,
  fetchIceServers: () => Promise<IceServersInfo>,
): CallEngine {
  const engine = new CallEngine({
    callId,
    selfUserId: userId,
    signaling: signaling.portFor(userId),
    fetchIceServers,
    iceTransportPolicy: 'relay',
  });
  signaling.attach(userId, engine);
  engines.push(engine);
  return engine;
}

test('a relay-only call connects through TURN and media flows both ways', async (context) => {
  if (!turn) return context.skip('coturn is not installed');
  const server = turn;
  const fetchIceServers = async () => ({
    iceServers: [server],
    expiresAt: new Date(Date.now() + 3_600_000),
  });
  const signaling = new LoopbackSignaling();
  const callId = crypto.randomUUID();
  const [a, b] = [crypto.randomUUID(), crypto.randomUUID()];
  const caller = relayOnlyEngine(signaling, callId, a, fetchIceServers);
  const callee = relayOnlyEngine(signaling, callId, b, fetchIceServers);
  await Promise.all([caller.initializeLocalStream(true, true), callee.initializeLocalStream(true, true)]);

  caller.connectToPeer(b);
  await vi.waitFor(
    async () => {
      const [atCaller, atCallee] = await Promise.all([caller.getPeerStats(b), callee.getPeerStats(a)]);
      expect(atCaller.framesDecoded).toBeGreaterThan(0);
      expect(atCallee.framesDecoded).toBeGreaterThan(0);
      expect(atCallee.audioPacketsReceived).toBeGreaterThan(0);
    },
    { timeout: 30_000, interval: 200 },
  );
  // Only relay candidates were ever offered to the other side.
  const candidates = signaling.sent.flatMap((s) =>
    s.kind === 'candidate' && s.event.candidate ? [s.event.candidate.candidate] : [],
  );
  expect(candidates.length).toBeGreaterThan(0);
  expect(candidates.every((c) => / typ relay /.test(c))).toBe(true);
});

test('credentials the TURN server refuses are refetched once, then reported as turn-auth-failed', async (context) => {
  if (!turn) return context.skip('coturn is not installed');
  const server = turn;
  // The API keeps handing out credentials that the TURN server does not accept, each time new ones (as the
  // backend's time-limited usernames are).
  let issued = 0;
  const refusedCredentials = async () => ({
    iceServers: [{ ...server, username: `${server.username}-${(issued += 1)}`, credential: 'wrong' }],
    expiresAt: new Date(Date.now() + 3_600_000),
  });
  const fetchIceServers = vi.fn(refusedCredentials);
  const signaling = new LoopbackSignaling();
  const callId = crypto.randomUUID();
  const [a, b] = [crypto.randomUUID(), crypto.randomUUID()];
  const caller = relayOnlyEngine(signaling, callId, a, fetchIceServers);
  relayOnlyEngine(signaling, callId, b, refusedCredentials);
  const errors: CallEngineErrorEvent[] = [];
  caller.on('error', (e) => errors.push(e));
  await caller.initializeLocalStream(true, false);

  caller.connectToPeer(b);
  await vi.waitFor(() => expect(errors.map((e) => e.kind)).toContain('turn-auth-failed'), {
    timeout: 30_000,
    interval: 100,
  });
  expect(fetchIceServers).toHaveBeenCalledTimes(2);
  expect(errors.filter((e) => e.kind === 'turn-auth-failed')).toEqual([
    { kind: 'turn-auth-failed', message: expect.stringMatching(/refused our credentials/) },
  ]);
});
