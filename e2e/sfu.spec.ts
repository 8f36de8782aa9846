/**
 * Group calls on the SFU: a real Janus started by the test, the real backend in front of it, and one browser per
 * person. The call starts peer-to-peer, moves to Janus when the third person answers, and each browser's
 * getStats shows what it decodes from whom, at which resolution (the simulcast layer Janus forwards).
 */
import type { Browser } from '@playwright/test';
import pino from 'pino';
import { createJanusPool } from '../backend/src/sfu/janusPool.ts';
import { createJanusRooms } from '../backend/src/sfu/janusRooms.ts';
import { isJanusInstalled, startJanus, type RunningJanus } from '../backend/test/support/janus.ts';
import { createConversation, registerUser, type TestUser } from './support/api.ts';
import { startBackend, type RunningBackend } from './support/backend.ts';
import { CallClient } from './support/client.ts';
import { chromiumArgs, chromiumPath } from './support/fakeCamera.ts';
import { expect, test } from './support/fixtures.ts';

// Chromium sends all three simulcast layers (1280x720, 640x360, 320x180) only from a 720p camera up.
test.use({
  launchOptions: { executablePath: chromiumPath, args: chromiumArgs({ width: 1280, height: 720 }) },
});
test.skip(
  !isJanusInstalled() && process.env.CI !== 'true',
  'Janus is not installed (apt-get install janus); under CI=true this fails instead',
);

// Four browsers doing real-time video plus Janus and the backend share 2 cores: give each test room.
test.describe.configure({ timeout: 360_000 });

const ADMIN_KEY = 'e2e-admin-key-of-the-sfu-tests';

interface SfuSetup {
  backend: RunningBackend;
  janus: RunningJanus[];
  stop(): Promise<void>;
}

async function startSfuBackend(janusCount: number): Promise<SfuSetup> {
  const janus: RunningJanus[] = [];
  for (let i = 0; i < janusCount; i++) janus.push(await startJanus({ adminKey: ADMIN_KEY }));
  const backend = await startBackend({
    JANUS_URLS: janus.map((j) => j.url).join(','),
    JANUS_ADMIN_KEY: ADMIN_KEY,
    // The last invitee answers only after the first ones were checked: on a busy machine, minutes later.
    CALL_RING_TIMEOUT_SECONDS: '600',
  });
  return {
    backend,
    janus,
    async stop() {
      await backend.stop();
      await Promise.all(janus.map((j) => j.stop()));
    },
  };
}

/** Registers the people, puts them in one group, and opens a signed-in browser for each. */
async function groupOf(browser: Browser, backendUrl: string, names: string[], title: string) {
  const users: TestUser[] = [];
  for (const name of names) users.push(await registerUser(backendUrl, name));
  await createConversation(backendUrl, users[0]!, users.slice(1), title);
  const clients: CallClient[] = [];
  for (const user of users) clients.push(await CallClient.open(browser, backendUrl, user));
  return { users, clients };
}

function noticesOn(clients: CallClient[], text: string | RegExp): Promise<unknown> {
  return Promise.all(clients.map((client) => expect(client.toast(text)).toBeVisible({ timeout: 60_000 })));
}

async function everyoneReceivesEveryone(clients: CallClient[]): Promise<void> {
  for (const client of clients) {
    for (const other of clients) if (other !== client) await client.expectMediaFlowingFrom(other.user);
  }
}

test('four people: the third moves the call to the SFU, everyone decodes everyone, layers follow tile size', async ({
  browser,
}, testInfo) => {
  const sfu = await startSfuBackend(1);
  try {
    const { users, clients } = await groupOf(
      browser,
      sfu.backend.url,
      ['Alice Sfu', 'Bob Sfu', 'Carol Sfu', 'Dave Sfu'],
      'Team sync',
    );
    const [a, b, c, d] = clients as [CallClient, CallClient, CallClient, CallClient];
    const [, bob, carol, dave] = users as [TestUser, TestUser, TestUser, TestUser];

    await a.startGroupCall('Team sync');
    await b.answer(true);
    // Two people talk peer-to-peer: no media server in the path.
    await a.expectMediaFlowingFrom(bob);
    expect(await a.topology()).toBe('mesh');
    expect(await b.topology()).toBe('mesh');

    await c.answer(true);
    for (const client of [a, b, c]) await expect.poll(() => client.topology()).toBe('sfu');
    // Nobody redialed: the same call goes on, and media flows again both ways through Janus.
    await everyoneReceivesEveryone([a, b, c]);

    // Notices last 4 s: watch for them from before the action, on every page at once.
    const joinNotices = noticesOn([a, b, c], `${dave.name} joined`);
    await d.answer(true);
    await joinNotices;
    await everyoneReceivesEveryone([a, b, c, d]);
    for (const client of clients) await expect(client.page.getByTestId('remote-tile')).toHaveCount(3);
    await a.screenshot('in-call-sfu', testInfo);

    // Simulcast. Only Alice talks (the others mute), so tile size alone picks each layer: grid tiles get the
    // middle one (640x360), a spotlighted tile the high one (1280x720), the thumbnails beside it the low one.
    for (const client of [b, c, d]) await client.toggleMute();
    const height = (peer: TestUser) => async () => (await a.stats(peer))?.frameHeight ?? 0;
    await expect.poll(height(bob)).toBeLessThanOrEqual(360);
    await expect.poll(height(carol)).toBeLessThanOrEqual(360);
    await a.spotlight(bob);
    await expect.poll(height(bob)).toBeGreaterThan(360);
    await expect.poll(height(carol)).toBeLessThanOrEqual(180);
    await a.screenshot('in-call-sfu-spotlight', testInfo);
    await a.unspotlight();
    await expect.poll(height(bob)).toBeLessThanOrEqual(360);
    await expect.poll(height(carol)).toBeGreaterThan(180);

    // Leaving updates everyone; the others keep talking.
    const leaveNotices = noticesOn([a, b, c], `${dave.name} left`);
    await d.hangUp();
    await leaveNotices;
    for (const client of [a, b, c]) await expect(client.page.getByTestId('remote-tile')).toHaveCount(2);
    await everyoneReceivesEveryone([a, b, c]);
    // Back to two: the call stays on the SFU (no second switch moments after the first).
    await c.hangUp();
    await a.expectMediaFlowingFrom(bob);
    expect(await a.topology()).toBe('sfu');
    await Promise.all(clients.map((client) => client.close()));
  } finally {
    await sfu.stop();
  }
});

test('a Janus that dies mid-call: the call moves to another instance, and ends cleanly when none is left', async ({
  browser,
}) => {
  const sfu = await startSfuBackend(2);
  try {
    const { clients } = await groupOf(
      browser,
      sfu.backend.url,
      ['Alice Failover', 'Bob Failover', 'Carol Failover'],
      'Failover drill',
    );
    const [a, b, c] = clients as [CallClient, CallClient, CallClient];
    await a.startGroupCall('Failover drill');
    await b.answer(true);
    await c.answer(true);
    for (const client of clients) await expect.poll(() => client.topology()).toBe('sfu');
    await everyoneReceivesEveryone(clients);

    // The room went to one of the two instances; killing both in turn covers both outcomes.
    const first = await a.sfuEpoch();
    const [killedFirst, survivor] = await janusHoldingTheRoom(sfu.janus);
    await killedFirst.kill();
    for (const client of clients) await expect.poll(() => client.sfuEpoch()).not.toBe(first);
    await everyoneReceivesEveryone(clients);

    const endNotices = noticesOn(clients, /the media server failed/i);
    await survivor.kill();
    await endNotices;
    for (const client of clients) await expect(client.inCall()).toBeHidden();
    await Promise.all(clients.map((client) => client.close()));
  } finally {
    await sfu.stop();
  }
});

/**
 * How soon after a dropped socket is back the others see that person again. The server ended the person's
 * media sessions when the socket dropped; waiting for their browser to notice the dead Janus connection on
 * its own takes far longer than this (ICE gives up after about 30 s).
 */
const BACK_ON_VIDEO_WITHIN_MS = 15_000;

test('a socket that drops mid-call: once it is back, the others see that person again and they see them', async ({
  browser,
}) => {
  const sfu = await startSfuBackend(1);
  try {
    const url = sfu.backend.url;
    const users: TestUser[] = [];
    for (const name of ['Alice Flaky', 'Bob Flaky', 'Carol Flaky']) users.push(await registerUser(url, name));
    const [alice, bob, carol] = users as [TestUser, TestUser, TestUser];
    await createConversation(url, alice, [bob, carol], 'Flaky wifi');
    const a = await CallClient.open(browser, url, alice);
    const b = await CallClient.open(browser, url, bob);
    const c = await CallClient.open(browser, url, carol, { droppableSignaling: true });
    const clients = [a, b, c];
    await a.startGroupCall('Flaky wifi');
    await b.answer(true);
    await c.answer(true);
    for (const client of clients) await expect.poll(() => client.topology()).toBe('sfu');
    await everyoneReceivesEveryone(clients);
    const epoch = await c.sfuEpoch();

    // Carol's signaling drops: the server ends her media sessions, so the others stop receiving her.
    const network = await c.dropSignaling();
    for (const other of [a, b]) await expect.poll(() => other.mediaFlowingFrom(carol)).toBe(false);
    network.restore();
    // Her pending reconnect goes through; told that her session ended, she publishes and subscribes again.
    for (const other of [a, b]) {
      await other.expectMediaFlowingFrom(carol, { timeout: BACK_ON_VIDEO_WITHIN_MS });
    }
    for (const other of [alice, bob]) await c.expectMediaFlowingFrom(other);
    // The same room all along: nothing failed over, and nobody reloaded.
    for (const client of clients) expect(await client.sfuEpoch()).toBe(epoch);
    await expect(c.inCall()).toBeVisible();
    await Promise.all(clients.map((client) => client.close()));
  } finally {
    await sfu.stop();
  }
});

test('without a media server, a group call of more than three is refused with a clear message', async ({
  browser,
  backend,
}) => {
  const { clients } = await groupOf(
    browser,
    backend.url,
    ['Alice NoSfu', 'Bob NoSfu', 'Carol NoSfu', 'Dave NoSfu'],
    'Too big',
  );
  const [a] = clients as [CallClient];
  await a.page.getByTestId('group-row').filter({ hasText: 'Too big' }).getByTestId('call-video').click();
  await expect(a.toast(/more than 3/i)).toBeVisible();
  await expect(a.inCall()).toBeHidden();
  await Promise.all(clients.map((client) => client.close()));
});

test('a late joiner from the banner without mic or camera is present, not connecting; hands and reactions via the SFU; leave and rejoin', async ({
  browser,
}) => {
  const sfu = await startSfuBackend(1);
  try {
    const { users, clients } = await groupOf(
      browser,
      sfu.backend.url,
      ['Alice Late', 'Bob Late', 'Carol Late', 'Dave Late'],
      'Late sync',
    );
    const [a, b, c, d] = clients as [CallClient, CallClient, CallClient, CallClient];
    const [alice, , carol, dave] = users as [TestUser, TestUser, TestUser, TestUser];
    await a.startGroupCall('Late sync');
    await b.answer(true);
    await c.answer(true);
    for (const client of [a, b, c]) await expect.poll(() => client.topology()).toBe('sfu');
    await d.incoming().getByTestId('decline').click();

    // Dave changes his mind on a machine with no microphone and no camera.
    const banner = d.page.getByTestId('ongoing-call-banner');
    await expect(banner).toContainText('Late sync — call in progress, 3 people');
    await d.page.evaluate(() => {
      navigator.mediaDevices.getUserMedia = () =>
        Promise.reject(new DOMException('Requested device not found', 'NotFoundError'));
    });
    const joinNotices = noticesOn([a, b, c], `${dave.name} joined`);
    await banner.getByTestId('join-ongoing-call').click();
    await joinNotices;
    await expect.poll(() => d.topology()).toBe('sfu');
    // He publishes nothing, so Janus never offers the others a stream of his: still, he is in the call.
    for (const client of [a, b, c]) {
      const tile = client.tileOf(dave);
      await expect(tile).toHaveAttribute('data-sends-media', 'false');
      await expect(tile.getByTestId('badge-muted')).toBeVisible();
      await expect(tile.getByText('Connecting…')).toBeHidden();
    }
    await d.expectMediaFlowingFrom(alice);

    // Dave raises his hand: everyone sees it; a reaction from Carol shows on her tile for the others.
    await d.page.getByTestId('toggle-hand').click();
    for (const client of [a, b, c]) {
      await expect(client.tileOf(dave).getByTestId('tile-hand')).toHaveText('✋ 1');
    }
    await c.page.getByTestId('reactions').click();
    await c.page.locator('[data-testid="reaction-choice"][data-reaction="👏"]').click();
    // Shown for a few seconds only: looked for on every page at once.
    await Promise.all(
      [a, b, d].map((client) => expect(client.tileOf(carol).getByTestId('tile-reaction')).toHaveText('👏')),
    );

    // Carol leaves and rejoins from the banner on the same page: her media reaches everyone again and theirs
    // her, over fresh Janus handles (nothing left over from her first stay in the room answers for her).
    const leaveNotices = noticesOn([a, b, d], `${carol.name} left`);
    await c.hangUp();
    await leaveNotices;
    const carolsBanner = c.page.getByTestId('ongoing-call-banner');
    await expect(carolsBanner).toContainText('Late sync — call in progress, 3 people');
    const rejoinNotices = noticesOn([a, b, d], `${carol.name} joined`);
    await carolsBanner.getByTestId('join-ongoing-call').click();
    await rejoinNotices;
    await expect.poll(() => c.topology()).toBe('sfu');
    await everyoneReceivesEveryone([a, b, c]);
    await d.expectMediaFlowingFrom(carol);
    await Promise.all(clients.map((client) => client.close()));
  } finally {
    await sfu.stop();
  }
});

/** Which Janus holds the call's room (asked of Janus itself, with the admin key), and the other one. */
async function janusHoldingTheRoom(janus: RunningJanus[]): Promise<[RunningJanus, RunningJanus]> {
  const pool = createJanusPool({ urls: janus.map((j) => j.url), logger: pino({ level: 'silent' }) });
  try {
    const rooms = createJanusRooms({ pool, adminKey: ADMIN_KEY, logger: pino({ level: 'silent' }) });
    const holders: RunningJanus[] = [];
    for (const instance of janus) if ((await rooms.list(instance.url)).length > 0) holders.push(instance);
    const [holder] = holders;
    const other = janus.find((j) => j !== holder);
    if (holders.length !== 1 || !holder || !other) throw new Error(`${holders.length} instances hold a room`);
    return [holder, other];
  } finally {
    await pool.close();
  }
}
