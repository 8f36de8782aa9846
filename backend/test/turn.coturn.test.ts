/**
 * TURN end to end: credentials from the real API against the real coturn, running the production config
 * (backend/coturn/turnserver.conf with local overrides only). Needs `turnserver` (apt-get install coturn):
 * skipped without it, failing under CI=true.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TurnCredentialsResponse } from '../../src/shared/protocol/index.ts';
import { issueTurnCredentials } from '../src/turn/turnCredentials.ts';
import { isCoturnInstalled, startCoturn, TurnClient, type RunningCoturn } from './support/coturn.ts';
import { api, registerUser, startTestServer, type TestServer } from './support/testServer.ts';

const coturnRequired = process.env.CI === 'true';
const coturnInstalled = isCoturnInstalled();
const coturnSuite =
  coturnInstalled || coturnRequired
    ? 'TURN against the real coturn'
    : 'TURN against the real coturn (skipped: turnserver not installed)';

describe.skipIf(!coturnInstalled && !coturnRequired)(coturnSuite, () => {
  const secret = randomBytes(24).toString('base64url');
  let coturn: RunningCoturn;
  let server: TestServer;
  let token: string;
  let userId: string;
  const openClients: TurnClient[] = [];
  const peers: Socket[] = [];

  beforeAll(async () => {
    coturn = await startCoturn({ secret });
    server = await startTestServer({
      TURN_SERVER_HOST: coturn.host,
      TURN_SERVER_PORT: String(coturn.port),
      TURN_SECRET: secret,
      TURN_TTL: '600',
    });
    const account = await registerUser(server.url, 'Turn User');
    token = account.token;
    userId = account.user.id;
  });

  afterAll(async () => {
    for (const client of openClients) client.close();
    for (const peer of peers) peer.close();
    await server?.close();
    await coturn?.stop();
  });

  async function issuedCredentials() {
    const res = await api(server.url, 'GET', '/api/calls/turn-credentials', { token });
    expect(res.status).toBe(200);
    const body = TurnCredentialsResponse.parse(res.body);
    expect(body.turnConfigured).toBe(true);
    return body.credentials!;
  }

  /** Each allocation needs its own 5-tuple: coturn binds one allocation to one client address. */
  async function turnClient(): Promise<TurnClient> {
    const client = await TurnClient.open({ address: coturn.host, port: coturn.port });
    openClients.push(client);
    return client;
  }

  async function udpPeer(): Promise<Socket> {
    const peer = createSocket('udp4');
    peers.push(peer);
    await new Promise<void>((resolve) => peer.bind(0, '127.0.0.1', resolve));
    return peer;
  }

  it('hands out credentials that allocate a relay which carries data both ways', async () => {
    const credentials = await issuedCredentials();
    expect(credentials.username).toMatch(new RegExp(`^\\d+:${userId}$`));
    expect(credentials.urls).toContain(`turn:127.0.0.1:${coturn.port}?transport=udp`);

    const client = await turnClient();
    const allocation = await client.allocate({
      username: credentials.username,
      password: credentials.credential,
    });
    expect(allocation).toEqual({ ok: true, value: { address: '127.0.0.1', port: expect.any(Number) } });
    const relayed = allocation.ok ? allocation.value : null;

    const peer = await udpPeer();
    const peerAddress = { address: '127.0.0.1', port: peer.address().port };
    expect(await client.createPermission(peerAddress)).toEqual({ ok: true, value: null });

    const atPeer = new Promise<{ data: string; from: number }>((resolve) =>
      peer.once('message', (data, from) => resolve({ data: data.toString(), from: from.port })),
    );
    client.sendToPeer(peerAddress, Buffer.from('media from behind a NAT'));
    expect(await atPeer).toEqual({ data: 'media from behind a NAT', from: relayed!.port });

    const atClient = client.nextDataFromPeer();
    peer.send('media back', relayed!.port, relayed!.address);
    const back = await atClient;
    expect({ from: back.from, data: back.data.toString() }).toEqual({
      from: peerAddress,
      data: 'media back',
    });
  });

  it('refuses a tampered credential with 401', async () => {
    const credentials = await issuedCredentials();
    const [expiry] = credentials.username.split(':');
    const laterExpiry = `${Number(expiry) + 86_400}:${userId}`;

    const longerLife = await (
      await turnClient()
    ).allocate({ username: laterExpiry, password: credentials.credential });
    expect(longerLife).toMatchObject({ ok: false, errorCode: 401 });

    const otherUser = await (
      await turnClient()
    ).allocate({
      username: `${expiry}:00000000-0000-4000-8000-000000000000`,
      password: credentials.credential,
    });
    expect(otherUser).toMatchObject({ ok: false, errorCode: 401 });

    const forged = await (
      await turnClient()
    ).allocate({
      username: credentials.username,
      password: randomBytes(20).toString('base64'),
    });
    expect(forged).toMatchObject({ ok: false, errorCode: 401 });
  });

  it('refuses an expired credential with 401, though it is correctly signed', async () => {
    const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000);
    const turn = {
      host: coturn.host,
      port: coturn.port,
      tlsPort: null,
      secret,
      ttlSeconds: 60,
      stunUrls: [],
    };
    const expired = issueTurnCredentials(turn, [], userId, twoHoursAgo).response.credentials!;

    const answer = await (
      await turnClient()
    ).allocate({ username: expired.username, password: expired.credential });
    expect(answer).toMatchObject({ ok: false, errorCode: 401 });
  });

  it('refuses relaying to private and link-local peers (the production denied-peer-ip ranges)', async () => {
    const credentials = await issuedCredentials();
    const client = await turnClient();
    const allocation = await client.allocate({
      username: credentials.username,
      password: credentials.credential,
    });
    expect(allocation.ok).toBe(true);

    for (const address of ['169.254.169.254', '10.0.0.5', '192.168.1.1', '172.16.0.1', '100.64.0.1']) {
      expect({ address, answer: await client.createPermission({ address, port: 80 }) }).toMatchObject({
        address,
        answer: { ok: false, errorCode: 403 },
      });
    }
  });
});

describe('TURN credentials without a TURN server', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ STUN_URLS: 'stun:stun.example.org:3478' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('says TURN is not configured and hands out the STUN servers only', async () => {
    const { token } = await registerUser(server.url, 'Stun Only');
    const res = await api(server.url, 'GET', '/api/calls/turn-credentials', { token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      credentials: null,
      expiresAt: null,
      iceServers: [{ urls: ['stun:stun.example.org:3478'] }],
      turnConfigured: false,
      ttlSeconds: null,
    });
  });

  it('requires a signed-in user', async () => {
    const res = await api(server.url, 'GET', '/api/calls/turn-credentials');
    expect(res.status).toBe(401);
  });
});
