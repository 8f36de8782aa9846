/**
 * Socket signaling with real clients: the relay between participants only (joined ones on their device,
 * ringing ones on every device), server-stamped sender and device, validation of payloads, a user's two
 * devices, a device reconnecting mid-call, quality reports.
 */
import { describe, expect, it, vi } from 'vitest';
import type { SocketAck } from '../../src/shared/protocol/index.ts';
import {
  answer,
  callAction,
  conversationOf,
  flush,
  getCall,
  ring,
  useCallSuiteServer,
} from './support/callFixtures.ts';
import { databaseTargets } from './support/databases.ts';
import { api, connectClient, nextEvent } from './support/testServer.ts';

const OFFER = { type: 'offer' as const, sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };
const ANSWER = { type: 'answer' as const, sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n' };
const CANDIDATE = {
  candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host',
  sdpMid: '0',
  sdpMLineIndex: 0,
};

describe.each(databaseTargets())('signaling on $name', (target) => {
  const server = useCallSuiteServer(target);
  const { people } = server;

  /** Alice called Bob and Bob answered. */
  async function activeCall() {
    const [alice, bob] = await people('Alice', 'Bob');
    const callId = await ring(server.url, alice!, await conversationOf(server.url, alice!, [bob!]), [bob!]);
    await answer(server.url, bob!, callId);
    return { alice: alice!, bob: bob!, callId };
  }

  it('relays offer, answer and ICE candidates between the participants, stamping the sender', async () => {
    const { alice, bob, callId } = await activeCall();

    const offer = nextEvent(bob.socket, 'call:offer');
    const spoofed = { callId, targetUserId: bob.user.id, offer: OFFER, fromUserId: bob.user.id };
    expect(await alice.socket.emitWithAck('call:offer', spoofed)).toEqual({ ok: true });
    expect(await offer).toEqual({
      callId,
      fromUserId: alice.user.id,
      fromDeviceId: alice.deviceId,
      offer: OFFER,
    });

    const reply = nextEvent(alice.socket, 'call:answer');
    expect(
      await bob.socket.emitWithAck('call:answer', { callId, targetUserId: alice.user.id, answer: ANSWER }),
    ).toEqual({
      ok: true,
    });
    expect(await reply).toEqual({
      callId,
      fromUserId: bob.user.id,
      fromDeviceId: bob.deviceId,
      answer: ANSWER,
    });

    const candidates: unknown[] = [];
    const both = new Promise<void>((resolve) => {
      bob.socket.on('call:ice-candidate', (e) => {
        candidates.push(e);
        if (candidates.length === 2) resolve();
      });
    });
    await alice.socket.emitWithAck('call:ice-candidate', {
      callId,
      targetUserId: bob.user.id,
      candidate: CANDIDATE,
    });
    await alice.socket.emitWithAck('call:ice-candidate', {
      callId,
      targetUserId: bob.user.id,
      candidate: null,
    });
    await both;
    expect(candidates).toEqual([
      { callId, fromUserId: alice.user.id, fromDeviceId: alice.deviceId, candidate: CANDIDATE },
      { callId, fromUserId: alice.user.id, fromDeviceId: alice.deviceId, candidate: null },
    ]);
  });

  it('refuses to relay to or from anyone who is not a participant', async () => {
    const { alice, bob, callId } = await activeCall();
    const [mallory] = await people('Mallory');
    const malloryHeard = vi.fn();
    mallory!.socket.on('call:offer', malloryHeard);

    const toOutsider = await alice.socket.emitWithAck('call:offer', {
      callId,
      targetUserId: mallory!.user.id,
      offer: OFFER,
    });
    expect(toOutsider).toMatchObject({ ok: false, error: { code: 'forbidden', field: 'targetUserId' } });
    const fromOutsider = await mallory!.socket.emitWithAck('call:offer', {
      callId,
      targetUserId: bob.user.id,
      offer: OFFER,
    });
    expect(fromOutsider).toMatchObject({ ok: false, error: { code: 'forbidden', field: 'callId' } });
    const toSelf = await alice.socket.emitWithAck('call:offer', {
      callId,
      targetUserId: alice.user.id,
      offer: OFFER,
    });
    expect(toSelf).toMatchObject({ ok: false, error: { code: 'bad_request', field: 'targetUserId' } });

    await flush(mallory!.socket);
    expect(malloryHeard).not.toHaveBeenCalled();

    // After hanging up, a participant is no longer relayed either.
    await callAction(server.url, bob, callId, 'end');
    const afterEnd = await alice.socket.emitWithAck('call:offer', {
      callId,
      targetUserId: bob.user.id,
      offer: OFFER,
    });
    expect(afterEnd).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it("relays the caller's offer to every ringing device of the callee, and each device's answer back", async () => {
    const [alice, bob, mallory] = await people('Alice', 'Bob', 'Mallory');
    const phoneId = `phone-${bob!.deviceId}`;
    const phone = await connectClient(server.url, bob!.token, phoneId);
    // A client written from the spec names no device: the server gives its connection one.
    const specClient = await connectClient(server.url, bob!.token, null);
    server.closeAfterSuite({ ...bob!, socket: phone });
    server.closeAfterSuite({ ...bob!, socket: specClient });
    const rang = [nextEvent(phone, 'call:incoming'), nextEvent(specClient, 'call:incoming')];
    const callId = await ring(server.url, alice!, await conversationOf(server.url, alice!, [bob!]), [bob!]);
    await Promise.all(rang);
    const malloryHeard = vi.fn();
    mallory!.socket.onAny(malloryHeard);

    const offers = [bob!.socket, phone, specClient].map((s) => nextEvent(s, 'call:offer'));
    const sent = { callId, targetUserId: bob!.user.id, offer: OFFER };
    expect(await alice!.socket.emitWithAck('call:offer', sent)).toEqual({ ok: true });
    const expected = { callId, fromUserId: alice!.user.id, fromDeviceId: alice!.deviceId, offer: OFFER };
    expect(await Promise.all(offers)).toEqual([expected, expected, expected]);

    // Each ringing device answers and trickles before Bob picks up; Alice tells them apart by the device.
    const fromPhone = nextEvent(alice!.socket, 'call:answer');
    const reply = { callId, targetUserId: alice!.user.id, answer: ANSWER };
    expect(await phone.emitWithAck('call:answer', reply)).toEqual({ ok: true });
    expect(await fromPhone).toEqual({
      callId,
      fromUserId: bob!.user.id,
      fromDeviceId: phoneId,
      answer: ANSWER,
    });
    const fromSpecClient = nextEvent(alice!.socket, 'call:ice-candidate');
    const trickle = { callId, targetUserId: alice!.user.id, candidate: CANDIDATE };
    expect(await specClient.emitWithAck('call:ice-candidate', trickle)).toEqual({ ok: true });
    expect((await fromSpecClient).fromDeviceId).toMatch(/^conn-[0-9a-f-]{36}$/);

    // An offer for one device reaches that device only.
    const phoneOnly = nextEvent(phone, 'call:offer');
    const othersHeard = vi.fn();
    bob!.socket.on('call:offer', othersHeard);
    specClient.on('call:offer', othersHeard);
    await alice!.socket.emitWithAck('call:offer', { ...sent, targetDeviceId: phoneId });
    expect(await phoneOnly).toEqual(expected);
    await Promise.all([flush(bob!.socket), flush(specClient), flush(mallory!.socket)]);
    expect(othersHeard).not.toHaveBeenCalled();
    expect(malloryHeard).not.toHaveBeenCalled();
  });

  it('stops relaying to and from the devices that rang once the callee answered on one or declined', async () => {
    const [alice, bob, carol] = await people('Alice', 'Bob', 'Carol');
    const phoneId = `phone-${bob!.deviceId}`;
    const phone = await connectClient(server.url, bob!.token, phoneId);
    server.closeAfterSuite({ ...bob!, socket: phone });
    const answered = await ring(server.url, alice!, await conversationOf(server.url, alice!, [bob!]), [bob!]);
    await answer(server.url, bob!, answered);
    const fromPhone = await phone.emitWithAck('call:answer', {
      callId: answered,
      targetUserId: alice!.user.id,
      answer: ANSWER,
    });
    expect(fromPhone).toMatchObject({ ok: false, error: { code: 'forbidden', field: 'callId' } });
    const toPhone = await alice!.socket.emitWithAck('call:offer', {
      callId: answered,
      targetUserId: bob!.user.id,
      targetDeviceId: phoneId,
      offer: OFFER,
    });
    expect(toPhone).toMatchObject({ ok: false, error: { code: 'forbidden', field: 'targetDeviceId' } });

    const declined = await ring(server.url, alice!, await conversationOf(server.url, alice!, [carol!]), [
      carol!,
    ]);
    await callAction(server.url, carol!, declined, 'reject');
    const toCarol = await alice!.socket.emitWithAck('call:offer', {
      callId: declined,
      targetUserId: carol!.user.id,
      offer: OFFER,
    });
    expect(toCarol).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const fromCarol = await carol!.socket.emitWithAck('call:answer', {
      callId: declined,
      targetUserId: alice!.user.id,
      answer: ANSWER,
    });
    expect(fromCarol).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('refuses malformed payloads with the field named', async () => {
    const { alice, bob, callId } = await activeCall();
    const emit = (event: 'call:offer' | 'call:ice-candidate', payload: unknown) =>
      (alice.socket.emitWithAck as (e: string, p: unknown) => Promise<SocketAck>)(event, payload);

    expect(
      await emit('call:offer', { callId, targetUserId: bob.user.id, offer: { type: 'offer' } }),
    ).toMatchObject({
      ok: false,
      error: { code: 'bad_request', field: 'offer.sdp' },
    });
    expect(await emit('call:offer', { callId, targetUserId: bob.user.id, offer: ANSWER })).toMatchObject({
      error: { field: 'offer' },
    });
    expect(await emit('call:offer', { callId: 'x', targetUserId: bob.user.id, offer: OFFER })).toMatchObject({
      error: { field: 'callId' },
    });
    const hugeSdp = { type: 'offer', sdp: 'a'.repeat(70 * 1024) };
    expect(await emit('call:offer', { callId, targetUserId: bob.user.id, offer: hugeSdp })).toMatchObject({
      error: { field: 'offer.sdp' },
    });
    expect(await emit('call:ice-candidate', 'not an object')).toMatchObject({ error: { field: 'payload' } });
    // A message without an acknowledgement callback is dropped without hurting the connection.
    (alice.socket.emit as (e: string, p: unknown) => void)('call:offer', { nonsense: true });
    expect(await emit('call:offer', { callId, targetUserId: bob.user.id, offer: OFFER })).toEqual({
      ok: true,
    });
  });

  it('rings every device of a user, stops the others when one answers, and signals only the answering one', async () => {
    const [alice, bob] = await people('Alice', 'Bob');
    const bobPhone = { ...bob!, deviceId: `phone-${bob!.deviceId}` };
    bobPhone.socket = await connectClient(server.url, bob!.token, bobPhone.deviceId);
    server.closeAfterSuite(bobPhone);
    const conversation = await conversationOf(server.url, alice!, [bob!]);

    const phoneRang = nextEvent(bobPhone.socket, 'call:incoming');
    const callId = await ring(server.url, alice!, conversation, [bob!]);
    await phoneRang;

    const stopRinging = nextEvent(bobPhone.socket, 'call:handled-elsewhere');
    const desktopHeard = vi.fn();
    bob!.socket.on('call:handled-elsewhere', desktopHeard);
    await answer(server.url, bob!, callId);
    expect(await stopRinging).toEqual({ callId, action: 'answered' });

    const phoneOffers = vi.fn();
    bobPhone.socket.on('call:offer', phoneOffers);
    const desktopOffer = nextEvent(bob!.socket, 'call:offer');
    await alice!.socket.emitWithAck('call:offer', { callId, targetUserId: bob!.user.id, offer: OFFER });
    await desktopOffer;
    await flush(bobPhone.socket);
    await flush(bob!.socket);
    expect(phoneOffers).not.toHaveBeenCalled();
    expect(desktopHeard).not.toHaveBeenCalled();

    // The phone is not in the call, so it may not signal in Bob's name.
    const fromPhone = await bobPhone.socket.emitWithAck('call:answer', {
      callId,
      targetUserId: alice!.user.id,
      answer: ANSWER,
    });
    expect(fromPhone).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('tells the other devices when one declines', async () => {
    const [alice, bob] = await people('Alice', 'Bob');
    const phone = await connectClient(server.url, bob!.token, `phone-${bob!.deviceId}`);
    server.closeAfterSuite({ ...bob!, socket: phone });
    const phoneRang = nextEvent(phone, 'call:incoming');
    const callId = await ring(server.url, alice!, await conversationOf(server.url, alice!, [bob!]), [bob!]);
    await phoneRang;
    const stopRinging = nextEvent(phone, 'call:handled-elsewhere');
    await api(server.url, 'POST', `/api/calls/${callId}/reject`, {
      token: bob!.token,
      body: { deviceId: bob!.deviceId },
    });
    expect(await stopRinging).toEqual({ callId, action: 'rejected' });
  });

  it('announces a participant whose device reconnects, and relays to its new connection', async () => {
    const { alice, bob, callId } = await activeCall();
    const reconnected = nextEvent(alice.socket, 'call:participant-reconnected');
    // A reload: the old connection closes, a new one with the same device id opens.
    bob.socket.close();
    bob.socket = await connectClient(server.url, bob.token, bob.deviceId);
    expect(await reconnected).toEqual({ callId, userId: bob.user.id });

    const offer = nextEvent(bob.socket, 'call:offer');
    await alice.socket.emitWithAck('call:offer', { callId, targetUserId: bob.user.id, offer: OFFER });
    expect(await offer).toMatchObject({ callId, fromUserId: alice.user.id });

    // The reloaded page answers again from the same device: announced once is enough (a second
    // announcement made the peers reconnect twice over). From another device it is news again.
    const announced = vi.fn();
    alice.socket.on('call:participant-reconnected', announced);
    await answer(server.url, bob, callId);
    await flush(alice.socket);
    expect(announced).not.toHaveBeenCalled();
    const rejoined = nextEvent(alice.socket, 'call:participant-reconnected');
    await answer(server.url, { ...bob, deviceId: `phone-${bob.deviceId}` }, callId);
    expect(await rejoined).toEqual({ callId, userId: bob.user.id });
  });

  it('stores quality reports and summarises them when the call ends', async () => {
    const { alice, bob, callId } = await activeCall();
    const report = (rttMs: number, quality: 'good' | 'fair' | 'poor') => ({
      callId,
      samples: [{ peerUserId: alice.user.id, rttMs, packetLossPct: 1, availableBitrateKbps: 800, quality }],
    });
    expect(await bob.socket.emitWithAck('call:quality-report', report(80, 'good'))).toEqual({ ok: true });
    expect(await bob.socket.emitWithAck('call:quality-report', report(320, 'poor'))).toEqual({ ok: true });
    const bad = await bob.socket.emitWithAck('call:quality-report', {
      callId,
      samples: [
        { peerUserId: alice.user.id, rttMs: -1, packetLossPct: 1, availableBitrateKbps: 1, quality: 'good' },
      ],
    });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad_request', field: 'samples.0.rttMs' } });

    const during = await getCall(server.url, alice, callId);
    expect(during.participants.find((p) => p.userId === bob.user.id)?.connectionQuality).toBe('poor');
    expect(during.qualityStats).toBeNull();

    await callAction(server.url, alice, callId, 'end');
    const after = await getCall(server.url, alice, callId);
    expect(after.qualityStats).toEqual({
      worstQuality: 'poor',
      participants: [
        {
          userId: bob.user.id,
          reports: 2,
          worstQuality: 'poor',
          rttMs: { avg: 200, worst: 320 },
          packetLossPct: { avg: 1, worst: 1 },
          availableBitrateKbps: { avg: 800, worst: 800 },
        },
      ],
    });
  });
});
