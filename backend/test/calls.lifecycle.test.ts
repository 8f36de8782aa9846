/**
 * The call lifecycle over REST with real socket clients: answered, rejected, ended, cancelled, group
 * join/leave, authorization, validation, history. Runs on PGlite and, when configured, on PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import type { ListCallsResponse } from '../../src/shared/protocol/index.ts';
import {
  answer,
  callAction,
  conversationOf,
  getCall,
  ring,
  statusOf,
  useCallSuiteServer,
} from './support/callFixtures.ts';
import { databaseTargets } from './support/databases.ts';
import { api, nextEvent } from './support/testServer.ts';

describe.each(databaseTargets())('call lifecycle on $name', (target) => {
  const server = useCallSuiteServer(target);
  const { people } = server;

  it('answered: the caller hears the callee join and the call becomes active', async () => {
    const [alice, bob] = await people('Alice', 'Bob');
    const conversation = await conversationOf(server.url, alice!, [bob!]);
    const incoming = nextEvent(bob!.socket, 'call:incoming');
    const initiated = await api<{ callId: string; status: string; participants: { status: string }[] }>(
      server.url,
      'POST',
      '/api/calls/initiate',
      { token: alice!.token, body: { conversationId: conversation.id, type: 'audio' } },
    );
    expect(initiated.status).toBe(201);
    expect(initiated.body.status).toBe('initiated');
    expect(initiated.body.participants.map((p) => p.status).sort()).toEqual(['invited', 'joined']);
    const callId = initiated.body.callId;
    expect(await incoming).toMatchObject({
      callId,
      conversationId: conversation.id,
      type: 'audio',
      initiatedBy: alice!.user.id,
    });
    expect((await getCall(server.url, alice!, callId)).status).toBe('ringing');

    const joined = nextEvent(alice!.socket, 'call:participant-joined');
    const answered = await answer(server.url, bob!, callId);
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ callId, status: 'active' });
    expect(await joined).toEqual({
      callId,
      userId: bob!.user.id,
      userName: 'Bob',
      userIdentifier: bob!.user.email,
      deviceId: bob!.deviceId,
    });

    // Answering again (a reload) is idempotent: same start time, the call stays active.
    const again = await answer(server.url, bob!, callId);
    expect(again.body).toEqual(answered.body);
    const call = await getCall(server.url, bob!, callId);
    expect(call).toMatchObject({ status: 'active', startedAt: answered.body.startedAt });
    expect(statusOf(call, bob!)).toBe('joined');
  });

  it('a callee that says it awaits the offer is announced so; one that says nothing is announced as before', async () => {
    const [alice, bob, carol] = await people('Alice', 'Bob', 'Carol');
    const awaiting = await ring(server.url, alice!, await conversationOf(server.url, alice!, [bob!]), [bob!]);
    const joined = nextEvent(alice!.socket, 'call:participant-joined');
    const answered = await api(server.url, 'POST', `/api/calls/${awaiting}/answer`, {
      token: bob!.token,
      body: { deviceId: bob!.deviceId, awaitsOffer: true },
    });
    expect(answered.status).toBe(200);
    expect(await joined).toMatchObject({ userId: bob!.user.id, deviceId: bob!.deviceId, awaitsOffer: true });
    await callAction(server.url, alice!, awaiting, 'end');

    const plain = await ring(server.url, alice!, await conversationOf(server.url, alice!, [carol!]), [
      carol!,
    ]);
    const plainJoined = nextEvent(alice!.socket, 'call:participant-joined', (e) => e.callId === plain);
    await api(server.url, 'POST', `/api/calls/${plain}/answer`, {
      token: carol!.token,
      body: { deviceId: carol!.deviceId, awaitsOffer: false },
    });
    expect(await plainJoined).not.toHaveProperty('awaitsOffer');

    const refused = await api(server.url, 'POST', `/api/calls/${plain}/answer`, {
      token: carol!.token,
      body: { awaitsOffer: 'yes' },
    });
    expect(refused.body).toMatchObject({ error: { code: 'bad_request', field: 'body.awaitsOffer' } });
  });

  it('rejected: the caller of a 1:1 call learns it and the call is over', async () => {
    const [alice, bob] = await people('Alice', 'Bob');
    const callId = await ring(server.url, alice!, await conversationOf(server.url, alice!, [bob!]), [bob!]);
    const rejected = nextEvent(alice!.socket, 'call:participant-rejected');
    const ended = nextEvent(alice!.socket, 'call:ended');

    const res = await callAction(server.url, bob!, callId, 'reject');
    expect(res).toEqual({ status: 200, body: { callId, status: 'rejected' } });
    expect(await rejected).toEqual({ callId, userId: bob!.user.id });
    expect(await ended).toEqual({ callId, reason: 'rejected', endedBy: bob!.user.id });

    const call = await getCall(server.url, alice!, callId);
    expect(call).toMatchObject({ status: 'rejected', endReason: 'rejected', durationSeconds: 0 });
    expect(statusOf(call, bob!)).toBe('rejected');
    // Answering a rejected call is an illegal transition.
    expect((await answer(server.url, bob!, callId)).status).toBe(409);
  });

  it('ended: both sides hear it, duration and reason are recorded, ending again changes nothing', async () => {
    const [alice, bob] = await people('Alice', 'Bob');
    const callId = await ring(server.url, alice!, await conversationOf(server.url, alice!, [bob!]), [bob!]);
    await answer(server.url, bob!, callId);
    const aliceHears = nextEvent(alice!.socket, 'call:ended');
    const bobHears = nextEvent(bob!.socket, 'call:ended');

    const res = await callAction(server.url, bob!, callId, 'end');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ callId, status: 'ended', endReason: 'ended-by-user' });
    expect(res.body.duration).toEqual(expect.any(Number));
    const expected = { callId, reason: 'ended-by-user', endedBy: bob!.user.id };
    expect(await aliceHears).toEqual(expected);
    expect(await bobHears).toEqual(expected);

    const call = await getCall(server.url, alice!, callId);
    expect(call).toMatchObject({
      status: 'ended',
      endReason: 'ended-by-user',
      durationSeconds: res.body.duration,
    });
    expect(call.endedAt).not.toBeNull();
    expect(call.participants.every((p) => p.status === 'left')).toBe(true);
    expect((await callAction(server.url, alice!, callId, 'end')).body).toEqual(res.body);
  });

  it('cancelled: the caller hangs up while it rings and the callee sees a missed call', async () => {
    const [alice, bob] = await people('Alice', 'Bob');
    const callId = await ring(server.url, alice!, await conversationOf(server.url, alice!, [bob!]), [bob!]);
    const bobHears = nextEvent(bob!.socket, 'call:ended');

    const res = await callAction(server.url, alice!, callId, 'end');
    expect(res.body).toEqual({ callId, status: 'missed', duration: 0, endReason: 'cancelled' });
    expect(await bobHears).toEqual({ callId, reason: 'cancelled', endedBy: alice!.user.id });

    const missed = await api<ListCallsResponse>(server.url, 'GET', '/api/calls?filter=missed', {
      token: bob!.token,
    });
    expect(missed.body.calls.map((c) => [c.id, c.myStatus, c.direction])).toEqual([
      [callId, 'missed', 'incoming'],
    ]);
  });

  it('group: joins, declines and leaves are announced; the call ends when the last one leaves', async () => {
    const [alice, bob, carol, dave] = await people('Alice', 'Bob', 'Carol', 'Dave');
    const conversation = await conversationOf(server.url, alice!, [bob!, carol!, dave!], 'Team');
    expect(conversation.isGroup).toBe(true);
    // Three invited (more need an SFU, see sfu.calls.test.ts); Carol, a member, joins without an invitation.
    const callId = await ring(server.url, alice!, conversation, [bob!, dave!]);

    const aliceSeesBob = nextEvent(
      alice!.socket,
      'call:participant-joined',
      (e) => e.userId === bob!.user.id,
    );
    await answer(server.url, bob!, callId);
    await aliceSeesBob;

    const declined = [alice!, bob!].map((m) => nextEvent(m.socket, 'call:participant-rejected'));
    expect((await callAction(server.url, dave!, callId, 'reject')).body).toEqual({
      callId,
      status: 'active',
    });
    expect(await Promise.all(declined)).toEqual([
      { callId, userId: dave!.user.id },
      { callId, userId: dave!.user.id },
    ]);

    const bobSeesCarol = nextEvent(
      bob!.socket,
      'call:participant-joined',
      (e) => e.userId === carol!.user.id,
    );
    await answer(server.url, carol!, callId);
    await bobSeesCarol;

    const leftSeen = [bob!, carol!].map((m) => nextEvent(m.socket, 'call:participant-left'));
    const aliceLeaves = await callAction(server.url, alice!, callId, 'end');
    expect(aliceLeaves.body).toMatchObject({ callId, status: 'active', endReason: null });
    expect(await Promise.all(leftSeen)).toEqual([
      { callId, userId: alice!.user.id },
      { callId, userId: alice!.user.id },
    ]);

    await callAction(server.url, bob!, callId, 'end');
    const ended = nextEvent(alice!.socket, 'call:ended');
    const last = await callAction(server.url, carol!, callId, 'end');
    expect(last.body).toMatchObject({ status: 'ended', endReason: 'ended-by-user' });
    expect(await ended).toEqual({ callId, reason: 'ended-by-user', endedBy: carol!.user.id });
    const call = await getCall(server.url, dave!, callId);
    expect(call.participants.map((p) => [p.userName, p.status]).sort()).toEqual([
      ['Alice', 'left'],
      ['Bob', 'left'],
      ['Carol', 'left'],
      ['Dave', 'rejected'],
    ]);
  });

  it('group: the call is rejected only once every invitee declined', async () => {
    const [alice, bob, carol] = await people('Alice', 'Bob', 'Carol');
    const callId = await ring(server.url, alice!, await conversationOf(server.url, alice!, [bob!, carol!]), [
      bob!,
      carol!,
    ]);
    expect((await callAction(server.url, bob!, callId, 'reject')).body).toEqual({
      callId,
      status: 'ringing',
    });
    const ended = nextEvent(alice!.socket, 'call:ended');
    expect((await callAction(server.url, carol!, callId, 'reject')).body).toEqual({
      callId,
      status: 'rejected',
    });
    expect(await ended).toMatchObject({ callId, reason: 'rejected' });
  });

  it('a group member who was not invited can join the open call', async () => {
    const [alice, bob, carol] = await people('Alice', 'Bob', 'Carol');
    const callId = await ring(server.url, alice!, await conversationOf(server.url, alice!, [bob!, carol!]), [
      bob!,
    ]);
    await answer(server.url, bob!, callId);
    const seen = nextEvent(bob!.socket, 'call:participant-joined', (e) => e.userId === carol!.user.id);
    expect((await answer(server.url, carol!, callId)).status).toBe(200);
    await seen;
    expect(statusOf(await getCall(server.url, alice!, callId), carol!)).toBe('joined');
  });

  it('refuses non-members: initiate, get and answer answer 403; unknown ids 404', async () => {
    const [alice, bob, mallory] = await people('Alice', 'Bob', 'Mallory');
    const conversation = await conversationOf(server.url, alice!, [bob!]);
    const asMallory = { token: mallory!.token };

    const initiate = await api(server.url, 'POST', '/api/calls/initiate', {
      ...asMallory,
      body: { conversationId: conversation.id, type: 'audio' },
    });
    expect(initiate.status).toBe(403);
    const inviteOutsider = await api(server.url, 'POST', '/api/calls/initiate', {
      token: alice!.token,
      body: { conversationId: conversation.id, type: 'audio', participantIds: [mallory!.user.id] },
    });
    expect(inviteOutsider).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden', field: 'participantIds' } },
    });

    const callId = await ring(server.url, alice!, conversation, [bob!]);
    expect((await api(server.url, 'GET', `/api/calls/${callId}`, asMallory)).status).toBe(403);
    expect((await answer(server.url, mallory!, callId)).status).toBe(403);
    expect((await callAction(server.url, mallory!, callId, 'end')).status).toBe(403);
    expect(
      (
        await api(server.url, 'PATCH', `/api/calls/${callId}/media`, {
          ...asMallory,
          body: { audioEnabled: false },
        })
      ).status,
    ).toBe(403);
    expect((await getCall(server.url, alice!, callId)).status).toBe('ringing');

    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await api(server.url, 'GET', `/api/calls/${unknown}`, asMallory)).body).toEqual({
      error: { code: 'not_found', message: 'call not found' },
    });
    const noConversation = await api(server.url, 'POST', '/api/calls/initiate', {
      ...asMallory,
      body: { conversationId: unknown, type: 'audio' },
    });
    expect(noConversation.status).toBe(404);
  });

  it('refuses malformed input with the field named, and changes nothing', async () => {
    const [alice, bob] = await people('Alice', 'Bob');
    const conversation = await conversationOf(server.url, alice!, [bob!]);
    const initiate = (body: unknown) =>
      api(server.url, 'POST', '/api/calls/initiate', { token: alice!.token, body });

    expect((await initiate({ conversationId: conversation.id, type: 'hologram' })).body).toMatchObject({
      error: { code: 'bad_request', field: 'body.type' },
    });
    expect((await initiate({ conversationId: 'nope', type: 'audio' })).body).toMatchObject({
      error: { code: 'bad_request', field: 'body.conversationId' },
    });
    expect(
      (await initiate({ conversationId: conversation.id, type: 'audio', participantIds: [] })).body,
    ).toMatchObject({
      error: { field: 'body.participantIds' },
    });
    expect(
      (await api(server.url, 'POST', '/api/calls/not-a-uuid/answer', { token: bob!.token })).body,
    ).toMatchObject({
      error: { code: 'bad_request', field: 'params.callId' },
    });
    const history = await api<ListCallsResponse>(server.url, 'GET', '/api/calls', { token: alice!.token });
    expect(history.body.calls).toEqual([]);

    const callId = await ring(server.url, alice!, conversation, [bob!]);
    await answer(server.url, bob!, callId);
    const badAnswer = await api(server.url, 'POST', `/api/calls/${callId}/answer`, {
      token: bob!.token,
      body: { deviceId: 'x' },
    });
    expect(badAnswer.body).toMatchObject({ error: { code: 'bad_request', field: 'body.deviceId' } });
    const emptyMedia = await api(server.url, 'PATCH', `/api/calls/${callId}/media`, {
      token: bob!.token,
      body: {},
    });
    expect(emptyMedia.body).toMatchObject({ error: { code: 'bad_request', field: 'body' } });
    const badMedia = await api(server.url, 'PATCH', `/api/calls/${callId}/media`, {
      token: bob!.token,
      body: { audioEnabled: 'no' },
    });
    expect(badMedia.body).toMatchObject({ error: { field: 'body.audioEnabled' } });
    expect(
      (await getCall(server.url, bob!, callId)).participants.every((p) => p.mediaState.audioEnabled),
    ).toBe(true);
  });

  it('media state changes reach the other participants', async () => {
    const [alice, bob] = await people('Alice', 'Bob');
    const callId = await ring(server.url, alice!, await conversationOf(server.url, alice!, [bob!]), [bob!]);
    await answer(server.url, bob!, callId);
    const seen = nextEvent(alice!.socket, 'call:media-state-changed');

    const res = await api(server.url, 'PATCH', `/api/calls/${callId}/media`, {
      token: bob!.token,
      body: { videoEnabled: false, screenSharing: true },
    });
    const mediaState = { audioEnabled: true, videoEnabled: false, screenSharing: true };
    expect(res.body).toEqual({ success: true, mediaState });
    expect(await seen).toEqual({ callId, userId: bob!.user.id, mediaState });
    expect(
      (await getCall(server.url, alice!, callId)).participants.find((p) => p.userId === bob!.user.id)
        ?.mediaState,
    ).toEqual(mediaState);
  });

  it('a paused video (videoPausedFor, an extension) reaches the others, and a spec-shaped change keeps it', async () => {
    const [alice, bob] = await people('Alice', 'Bob');
    const callId = await ring(server.url, alice!, await conversationOf(server.url, alice!, [bob!]), [bob!]);
    await answer(server.url, bob!, callId);
    const paused = nextEvent(alice!.socket, 'call:media-state-changed');
    await api(server.url, 'PATCH', `/api/calls/${callId}/media`, {
      token: bob!.token,
      body: { videoPausedFor: [alice!.user.id] },
    });
    const pausedState = {
      audioEnabled: true,
      videoEnabled: true,
      screenSharing: false,
      videoPausedFor: [alice!.user.id],
    };
    expect(await paused).toEqual({ callId, userId: bob!.user.id, mediaState: pausedState });

    // A client written from the spec sends only the three documented fields; the pause stays until resumed.
    const muted = nextEvent(alice!.socket, 'call:media-state-changed');
    await api(server.url, 'PATCH', `/api/calls/${callId}/media`, {
      token: bob!.token,
      body: { audioEnabled: false },
    });
    expect((await muted).mediaState).toEqual({ ...pausedState, audioEnabled: false });
    const resumed = await api(server.url, 'PATCH', `/api/calls/${callId}/media`, {
      token: bob!.token,
      body: { videoPausedFor: [] },
    });
    expect(resumed.body).toMatchObject({ mediaState: { videoPausedFor: [] } });
    const refused = await api(server.url, 'PATCH', `/api/calls/${callId}/media`, {
      token: bob!.token,
      body: { videoPausedFor: ['not-a-user-id'] },
    });
    expect(refused.body).toMatchObject({ error: { code: 'bad_request' } });
  });

  it('GET /api/calls/active returns the call to rejoin', async () => {
    const [alice, bob] = await people('Alice', 'Bob');
    const none = await api(server.url, 'GET', '/api/calls/active', { token: alice!.token });
    expect(none.body).toEqual({ call: null });
    const callId = await ring(server.url, alice!, await conversationOf(server.url, alice!, [bob!]), [bob!]);
    await answer(server.url, bob!, callId);
    const active = await api<{ call: { id: string } }>(server.url, 'GET', '/api/calls/active', {
      token: bob!.token,
    });
    expect(active.body.call.id).toBe(callId);
    await callAction(server.url, alice!, callId, 'end');
    expect((await api(server.url, 'GET', '/api/calls/active', { token: bob!.token })).body).toEqual({
      call: null,
    });
  });

  it('concurrent answers from two devices make one join and one active call', async () => {
    const [alice, bob] = await people('Alice', 'Bob');
    const callId = await ring(server.url, alice!, await conversationOf(server.url, alice!, [bob!]), [bob!]);
    const answers = await Promise.all([
      api(server.url, 'POST', `/api/calls/${callId}/answer`, {
        token: bob!.token,
        body: { deviceId: 'device-one' },
      }),
      api(server.url, 'POST', `/api/calls/${callId}/answer`, {
        token: bob!.token,
        body: { deviceId: 'device-two' },
      }),
      callAction(server.url, alice!, callId, 'end'),
    ]);
    const call = await getCall(server.url, alice!, callId);
    // Whatever the interleaving, the call went one legal way: answered then ended, or cancelled.
    if (call.status === 'missed') expect(call.endReason).toBe('cancelled');
    else expect(call).toMatchObject({ status: 'ended', endReason: 'ended-by-user' });
    expect(answers.every((r) => r.status === 200 || r.status === 409)).toBe(true);
  });

  it('history is recorded newest first, pages with an opaque cursor and filters missed calls', async () => {
    const [alice, bob] = await people('Alice', 'Bob');
    const conversation = await conversationOf(server.url, alice!, [bob!]);
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const callId = await ring(server.url, alice!, conversation, [bob!]);
      if (i % 2 === 0)
        await callAction(server.url, alice!, callId, 'end'); // cancelled: missed for Bob
      else await callAction(server.url, bob!, callId, 'reject');
      ids.push(callId);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '?limit=2' : `?limit=2&cursor=${cursor}`;
      const page = await api<ListCallsResponse>(server.url, 'GET', `/api/calls${query}`, {
        token: bob!.token,
      });
      expect(page.status).toBe(200);
      seen.push(...page.body.calls.map((c) => c.id));
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());

    const missed = await api<ListCallsResponse>(server.url, 'GET', '/api/calls?filter=missed', {
      token: bob!.token,
    });
    expect(missed.body.calls.map((c) => c.id)).toEqual([ids[4], ids[2], ids[0]]);
    expect(missed.body.calls.every((c) => c.endReason === 'cancelled' && c.direction === 'incoming')).toBe(
      true,
    );
    const outgoing = await api<ListCallsResponse>(server.url, 'GET', '/api/calls?limit=1', {
      token: alice!.token,
    });
    expect(outgoing.body.calls[0]).toMatchObject({ id: ids[4], direction: 'outgoing', myStatus: 'left' });

    const badCursor = await api(server.url, 'GET', '/api/calls?cursor=garbage', { token: bob!.token });
    expect(badCursor.body).toMatchObject({ error: { code: 'bad_request', field: 'query.cursor' } });
  });
});
