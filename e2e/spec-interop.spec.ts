/**
 * Interop with a client written from the spec alone (e2e/spec-client): the caller offers, the callee answers.
 * The web client must call it and be called by it with media both ways, see its mute / camera changes and
 * send its own as call:media-state-changed, and end the call from either side. Also a plain client that
 * ignores the offer of the ring and offers itself once it has answered, and a caller that offers only once
 * the web client has answered.
 */
import type { Browser } from '@playwright/test';
import { createConversation, registerUser } from './support/api.ts';
import type { TestUser } from './support/api.ts';
import { CallClient } from './support/client.ts';
import { expect, test } from './support/fixtures.ts';
import { SpecClient, type SpecClientOptions } from './spec-client/specClient.ts';

interface Pair {
  web: CallClient;
  spec: SpecClient;
  webUser: TestUser;
  specUser: TestUser;
  conversationId: string;
}

async function openPair(
  browser: Browser,
  url: string,
  modes: Pick<SpecClientOptions, 'calleeMode' | 'callerMode'> = {},
): Promise<Pair> {
  const webUser = await registerUser(url, 'Alice Web');
  const specUser = await registerUser(url, 'Sam Spec');
  const conversation = await createConversation(url, webUser, [specUser]);
  const spec = await SpecClient.connect({
    url,
    token: specUser.token,
    userId: specUser.id,
    label: 'spec',
    ...modes,
  });
  const web = await CallClient.open(browser, url, webUser);
  return { web, spec, webUser, specUser, conversationId: conversation.id };
}

/** Media flows both ways: the web client decodes the spec client's video and audio, and the reverse. */
async function expectMediaBothWays({ web, spec, webUser, specUser }: Pair): Promise<void> {
  await web.expectMediaFrom(specUser);
  await expect
    .poll(async () => (await spec.receivedFrom(webUser.id)).framesDecoded, {
      message: "the spec client decodes the web client's video",
    })
    .toBeGreaterThan(0);
  await expect
    .poll(async () => (await spec.receivedFrom(webUser.id)).audioBytesReceived, {
      message: "the spec client receives the web client's audio",
    })
    .toBeGreaterThan(0);
}

/** Mute and camera both ways: the web UI badges the spec client, the spec client gets the web client's events. */
async function expectMediaStatePropagates({ web, spec, webUser, specUser }: Pair): Promise<void> {
  await web.toggleMute();
  await spec.waitFor(
    () => spec.mediaStateChanges.find((e) => e.userId === webUser.id && !e.mediaState.audioEnabled),
    "the web client's mute as call:media-state-changed",
  );
  await web.page.getByTestId('toggle-camera').click();
  await spec.waitFor(
    () => spec.mediaStateChanges.find((e) => e.userId === webUser.id && !e.mediaState.videoEnabled),
    "the web client's camera-off as call:media-state-changed",
  );

  await spec.setMedia({ audioEnabled: false });
  await expect(web.tileOf(specUser).getByTestId('badge-muted')).toBeVisible();
  await spec.setMedia({ videoEnabled: false });
  await expect(web.tileOf(specUser).getByTestId('badge-camera-off')).toBeVisible();
  await spec.setMedia({ audioEnabled: true, videoEnabled: true });
  await expect(web.tileOf(specUser).getByTestId('badge-muted')).toBeHidden();
  await expect(web.tileOf(specUser).getByTestId('badge-camera-off')).toBeHidden();
}

async function closePair({ web, spec }: Pair): Promise<void> {
  // Printed only when something went wrong: the spec client's side of the story.
  if (spec.protocolErrors.length > 0) console.log(spec.log.join('\n'));
  expect(spec.protocolErrors, 'the spec client saw only documented events and no refusal').toEqual([]);
  spec.close();
  await web.close();
}

test('the web client calls a spec client: media both ways, mute and camera both ways, web hangs up', async ({
  browser,
  backend,
}) => {
  const pair = await openPair(browser, backend.url);
  const { web, spec, specUser } = pair;

  await web.call(specUser, 'video');
  const incoming = await spec.waitFor(() => spec.incoming.at(-1), 'call:incoming');
  await spec.answer();
  await expect(web.inCall()).toHaveAttribute('data-phase', 'active');
  await expectMediaBothWays(pair);
  await expectMediaStatePropagates(pair);

  await web.hangUp();
  await spec.waitFor(
    () => spec.ended.find((e) => e.callId === incoming.callId),
    'call:ended after the web client hung up',
  );
  expect(spec.connectionState(pair.webUser.id)).toBeNull();
  await closePair(pair);
});

test('a spec client calls the web client: media both ways, mute and camera both ways, spec hangs up', async ({
  browser,
  backend,
}) => {
  const pair = await openPair(browser, backend.url);
  const { web, spec, webUser, specUser, conversationId } = pair;

  await spec.call(conversationId, [webUser.id], 'video');
  await expect(web.incoming()).toBeVisible();
  await expect(web.page.getByTestId('incoming-caller')).toHaveText(specUser.name);
  // A spec caller's offer has no `preconnect`: the ringing web client leaves it for the device that picks
  // up, so no answer comes back (nothing connects, nothing is sent) while it rings.
  await web.page.waitForTimeout(1000);
  expect(spec.connectionState(webUser.id), 'no early answer to a caller that did not ask for one').not.toBe(
    'connected',
  );
  expect(await spec.receivedFrom(webUser.id), 'no media from a phone that only rings').toMatchObject({
    audioBytesReceived: 0,
    videoBytesReceived: 0,
  });
  await web.answer(true);
  await expectMediaBothWays(pair);
  await expectMediaStatePropagates(pair);

  await spec.end();
  await expect(web.inCall()).toBeHidden();
  await expect(web.toast(`Call with ${specUser.name} ended`)).toBeVisible();
  await closePair(pair);
});

test('a plain client that ignores the ring offer and offers once it has answered still gets a call', async ({
  browser,
  backend,
}) => {
  const pair = await openPair(browser, backend.url, { calleeMode: 'offer-after-answer' });
  const { web, spec, specUser } = pair;

  await web.call(specUser, 'video');
  await spec.waitFor(() => spec.incoming.at(-1), 'call:incoming');
  await spec.answer();
  await expectMediaBothWays(pair);

  await spec.end();
  await expect(web.inCall()).toBeHidden();
  await closePair(pair);
});

test('a plain spec caller that offers only once the web client has answered still gets a call', async ({
  browser,
  backend,
}) => {
  const pair = await openPair(browser, backend.url, { callerMode: 'offer-after-join' });
  const { web, spec, webUser, conversationId } = pair;

  await spec.call(conversationId, [webUser.id], 'video');
  await web.answer(true);
  await expectMediaBothWays(pair);

  await web.hangUp();
  await spec.waitFor(() => spec.ended.length > 0, 'call:ended after the web client hung up');
  await closePair(pair);
});

// A spec client has one connection per person: had both ringing devices answered its one offer, it would keep
// the first answer, and the call would have no media whenever the user picked up on the other device.
test('a spec client calls a web user signed in on two devices: one answers, the call has media, no stray answer', async ({
  browser,
  backend,
}) => {
  const pair = await openPair(browser, backend.url);
  const { web, spec, webUser, conversationId } = pair;
  const laptop = await CallClient.open(browser, backend.url, webUser);

  await spec.call(conversationId, [webUser.id], 'video');
  await expect(web.incoming()).toBeVisible();
  await expect(laptop.incoming()).toBeVisible();
  await web.answer(true);
  await expect(laptop.incoming()).toBeHidden();
  await expectMediaBothWays(pair);

  await spec.end();
  await expect(web.inCall()).toBeHidden();
  await laptop.close();
  await closePair(pair);
});
