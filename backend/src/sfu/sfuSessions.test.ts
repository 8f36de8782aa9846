/**
 * SFU session life cycle against a fake Janus (the VideoRoom answers a publisher needs): which leave ends
 * which session. With several nodes a leave committed on one reaches the others late, possibly after the
 * participant rejoined and published again on theirs; that late leave must not end the new stay's session.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { SessionDescription } from '../../../src/shared/protocol/index.ts';
import { formatRoomRef } from '../domain/sfuRoomRef.ts';
import { createLogger } from '../logger.ts';
import type { JanusHandle, JanusResponse, JanusSession } from './janusClient.ts';
import { createSfuSessions, type SfuParticipant } from './sfuSessions.ts';

const URL = 'ws://janus.test';
const ROOM = { url: URL, roomId: 4242 };
const CALL_ID = 'c0ffee00-0000-4000-8000-000000000001';
const CAROL = 'c0ffee00-0000-4000-8000-00000000000c';
const DEVICE = 'carols-laptop';

/** A publisher handle of the fake VideoRoom: joins, publishes, and records whether it was detached. */
class FakeHandle extends EventEmitter implements JanusHandle {
  readonly id: number;
  detached = false;

  constructor(id: number) {
    super();
    this.id = id;
  }

  message(body: Record<string, unknown>): Promise<JanusResponse> {
    const data =
      body.request === 'join'
        ? { videoroom: 'joined', room: ROOM.roomId, id: this.id, publishers: [] }
        : { videoroom: 'event', configured: 'ok' };
    const jsep = body.request === 'join' ? undefined : { type: 'answer' as const, sdp: 'v=0\r\n' };
    return Promise.resolve({
      janus: 'success',
      plugindata: { plugin: 'janus.plugin.videoroom', data },
      jsep,
    });
  }

  trickle = () => Promise.resolve();
  trickleComplete = () => Promise.resolve();
  hangup = () => Promise.resolve();

  detach(): Promise<void> {
    this.detached = true;
    return Promise.resolve();
  }
}

function fakeJanus() {
  const handles: FakeHandle[] = [];
  const session = Object.assign(new EventEmitter(), {
    id: 1,
    attach: () => {
      const handle = new FakeHandle(handles.length + 1);
      handles.push(handle);
      return Promise.resolve(handle);
    },
    destroy: () => Promise.resolve(),
  }) satisfies JanusSession;
  return { handles, pool: { session: () => Promise.resolve(session) } };
}

/** The offer of a new publisher PeerConnection (its own DTLS fingerprint). */
const offerOf = (connection: number): SessionDescription => ({
  type: 'offer',
  sdp: `v=0\r\na=fingerprint:sha-256 ${connection.toString(16).padStart(2, '0')}:AA\r\n`,
});

function setUp() {
  const janus = fakeJanus();
  const sessions = createSfuSessions({
    pool: janus.pool,
    notifier: { toDevice: () => undefined },
    // Carol is in the call on her laptop, as the database says once her rejoin committed.
    loadCallState: () =>
      Promise.resolve({ open: true, sfuRoomId: formatRoomRef(ROOM), devices: new Map([[CAROL, DEVICE]]) }),
    logger: createLogger('silent'),
  });
  const carol = (stay: number): SfuParticipant => ({
    callId: CALL_ID,
    userId: CAROL,
    deviceId: DEVICE,
    stay,
  });
  const publish = (stay: number, connection: number) =>
    sessions.publish(carol(stay), ROOM, offerOf(connection), [{ mid: '0', source: 'audio' }]);
  return { sessions, handles: janus.handles, carol, publish };
}

describe('SFU sessions: leaves name the stay they end', () => {
  it('a late leave of the stay before a rejoin leaves the rejoined session alone; its own leave ends it', async () => {
    const { sessions, handles, carol, publish } = setUp();
    await publish(1, 1);
    // She left and rejoined; this node hears of the rejoin (her new publish) before the leave.
    await publish(2, 2);
    expect(handles.map((h) => h.detached)).toEqual([true, false]);

    sessions.callChanged(CALL_ID, [{ userId: CAROL, stay: 1 }]);
    await Promise.resolve();
    expect(handles[1]!.detached).toBe(false);
    expect(sessions.epochOf(carol(2))).toBe(ROOM.roomId);

    sessions.callChanged(CALL_ID, [{ userId: CAROL, stay: 2 }]);
    expect(handles[1]!.detached).toBe(true);
    expect(sessions.epochOf(carol(2))).toBeNull();
  });

  it('a leave heard before the rejoin ends the old session at once, and the rejoin publishes anew', async () => {
    const { sessions, handles, carol, publish } = setUp();
    await publish(1, 1);
    sessions.callChanged(CALL_ID, [{ userId: CAROL, stay: 1 }]);
    expect(handles[0]!.detached).toBe(true);
    expect(sessions.epochOf(carol(1))).toBeNull();

    await publish(2, 2);
    expect(handles.map((h) => h.detached)).toEqual([true, false]);
    expect(sessions.epochOf(carol(2))).toBe(ROOM.roomId);
  });
});

describe('SFU sessions: what a reconnecting device is told', () => {
  it('lists the calls holding a session of the device until its socket goes, and only for that device', async () => {
    const { sessions, handles, publish } = setUp();
    expect(sessions.callsWithSession(CAROL, DEVICE)).toEqual(new Set());
    await publish(1, 1);
    expect(sessions.callsWithSession(CAROL, DEVICE)).toEqual(new Set([CALL_ID]));
    expect(sessions.callsWithSession(CAROL, 'carols-phone')).toEqual(new Set());

    sessions.deviceGone(CAROL, DEVICE);
    expect(handles[0]!.detached).toBe(true);
    expect(sessions.callsWithSession(CAROL, DEVICE)).toEqual(new Set());
  });
});
