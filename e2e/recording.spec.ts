/**
 * Call recording on a real Janus, seen from three browsers: the initiator of a group call with two people in
 * it starts recording (the call moves from peer-to-peer to the SFU so Janus can record it), both see the
 * Recording indicator and are told, a third person joining later is told and sees it too, the initiator
 * stops it, and after the call the history row offers the recording, which plays in the page; the file a
 * member downloads is VP8 + Opus as long as the recording ran, and a non-member gets 403.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isJanusInstalled, startJanus, type RunningJanus } from '../backend/test/support/janus.ts';
import { createConversation, registerUser, type TestUser } from './support/api.ts';
import { startBackend, type RunningBackend } from './support/backend.ts';
import { CallClient } from './support/client.ts';
import { chromiumArgs, chromiumPath } from './support/fakeCamera.ts';
import { expect, test } from './support/fixtures.ts';

test.use({ launchOptions: { executablePath: chromiumPath, args: chromiumArgs() } });
test.skip(
  !isJanusInstalled() && process.env.CI !== 'true',
  'Janus is not installed (apt-get install janus janus-tools ffmpeg); under CI=true this fails instead',
);
test.describe.configure({ timeout: 300_000 });

const ADMIN_KEY = 'e2e-admin-key-of-the-recording-test';

test('the initiator records a group call: indicator for all, a late joiner told, the recording in history', async ({
  browser,
}) => {
  const recordingsDir = await mkdtemp(path.join(tmpdir(), 'callbridge-e2e-recordings-'));
  let janus: RunningJanus | null = null;
  let backend: RunningBackend | null = null;
  const clients: CallClient[] = [];
  try {
    janus = await startJanus({ adminKey: ADMIN_KEY });
    backend = await startBackend({
      JANUS_URLS: janus.url,
      JANUS_ADMIN_KEY: ADMIN_KEY,
      RECORDINGS_DIR: recordingsDir,
      RECORDING_MIN_FREE_MB: '1',
      CALL_RING_TIMEOUT_SECONDS: '600',
    });
    const users: TestUser[] = [];
    for (const name of ['Alice Rec', 'Bob Rec', 'Carol Rec'])
      users.push(await registerUser(backend.url, name));
    await createConversation(backend.url, users[0]!, users.slice(1), 'Recorded sync');
    for (const user of users) clients.push(await CallClient.open(browser, backend.url, user));
    const [alice, bob, carol] = clients as [CallClient, CallClient, CallClient];
    const [, bobUser] = users as [TestUser, TestUser, TestUser];

    await alice.startGroupCall('Recorded sync');
    await bob.answer(true);
    await alice.expectMediaFlowingFrom(bobUser);
    expect(await alice.topology()).toBe('mesh');
    // Only the initiator gets the button.
    await expect(bob.page.getByTestId('toggle-recording')).toHaveCount(0);

    const bobTold = expect(bob.toast('Alice Rec is recording this call')).toBeVisible({ timeout: 30_000 });
    const callId = await alice.inCall().getAttribute('data-call-id');
    const recordingFrom = Date.now();
    await alice.page.getByTestId('toggle-recording').click();
    await bobTold;
    for (const client of [alice, bob]) {
      await expect(client.page.getByTestId('recording-indicator')).toBeVisible();
      await expect.poll(() => client.topology(), { timeout: 30_000 }).toBe('sfu');
    }
    await alice.expectMediaFlowingFrom(bobUser);

    // Carol joins while it records: she is told, and the indicator is there for her too.
    const carolTold = expect(carol.toast('Alice Rec is recording this call')).toBeVisible({
      timeout: 30_000,
    });
    await carol.answer(true);
    await carolTold;
    await expect(carol.page.getByTestId('recording-indicator')).toBeVisible();
    await carol.expectMediaFlowingFrom(bobUser);

    await alice.page.getByTestId('toggle-recording').click();
    const recordedSeconds = (Date.now() - recordingFrom) / 1000;
    for (const client of [alice, bob, carol]) {
      await expect(client.page.getByTestId('recording-indicator')).toBeHidden({ timeout: 30_000 });
    }
    await carol.hangUp();
    await bob.hangUp();
    await alice.hangUp();

    // History: processed after the call, then playable by a member.
    await expect
      .poll(
        async () => {
          await bob.page.getByTestId('nav-contacts').click();
          await bob.page.getByTestId('nav-history').click();
          return bob.page.getByTestId('open-recording').count();
        },
        { timeout: 90_000, intervals: [1000] },
      )
      .toBe(1);
    await bob.page.getByTestId('open-recording').click();
    const player = bob.page.getByTestId('recording-player');
    await expect(player).toBeVisible();
    await expect
      .poll(() => player.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 30_000 })
      .toBeGreaterThanOrEqual(1);

    // The file itself, as a member downloads it: VP8 + Opus, as long as the recording ran; a non-member is
    // refused. The clicks bound the recording from outside: Janus records from each publisher's first packet
    // in the room, and the move to the SFU before it takes seconds on a loaded machine. (The backend test,
    // which knows when its clients publish, holds the file to 2 s of the recorded time.)
    const recordingUrl = `${backend.url}/api/calls/${callId}/recording`;
    const download = await fetch(recordingUrl, { headers: { authorization: `Bearer ${bobUser.token}` } });
    expect(download.status).toBe(200);
    const file = path.join(recordingsDir, 'downloaded.webm');
    await writeFile(file, Buffer.from(await download.arrayBuffer()));
    const probed = JSON.parse(
      execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file], {
        encoding: 'utf8',
      }),
    ) as { streams: { codec_name: string }[]; format: { duration: string } };
    expect(probed.streams.map((s) => s.codec_name).sort()).toEqual(['opus', 'vp8']);
    const duration = Number(probed.format.duration);
    expect(duration, `recorded ${recordedSeconds} s between the clicks`).toBeLessThanOrEqual(
      recordedSeconds + 1,
    );
    expect(duration, `recorded ${recordedSeconds} s between the clicks`).toBeGreaterThan(recordedSeconds - 6);
    const stranger = await registerUser(backend.url, 'Mallory Rec');
    const refused = await fetch(recordingUrl, { headers: { authorization: `Bearer ${stranger.token}` } });
    expect(refused.status).toBe(403);
  } finally {
    for (const client of clients) await client.close();
    await backend?.stop();
    await janus?.stop();
    await rm(recordingsDir, { recursive: true, force: true });
  }
});
