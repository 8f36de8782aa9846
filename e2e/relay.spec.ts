/**
 * TURN: a call forced through the relay (iceTransportPolicy 'relay', the `?relay=1` flag) via a real coturn
 * started here with the credentials the API hands out; and the clear error when coturn refuses them.
 * Under CI a missing coturn fails these tests (startCoturn throws), it never skips them.
 */
import { randomBytes } from 'node:crypto';
import { startCoturn } from '../backend/test/support/coturn.ts';
import type { RunningCoturn } from '../backend/test/support/coturn.ts';
import { TurnCredentialsResponse } from '../src/shared/protocol/index.ts';
import { registerUser } from './support/api.ts';
import { startBackend } from './support/backend.ts';
import { CallClient } from './support/client.ts';
import { expect, test } from './support/fixtures.ts';

const TURN_SECRET = randomBytes(24).toString('hex');
let coturn: RunningCoturn;

test.beforeAll(async () => {
  coturn = await startCoturn({ secret: TURN_SECRET });
});
test.afterAll(async () => coturn?.stop());

function turnEnv(secret: string): Record<string, string> {
  return { TURN_SERVER_HOST: coturn.host, TURN_SERVER_PORT: String(coturn.port), TURN_SECRET: secret };
}

test('a relay-only call flows through coturn with the credentials from the API', async ({ browser }) => {
  const backend = await startBackend(turnEnv(TURN_SECRET));
  try {
    const alice = await registerUser(backend.url, 'Alice Relay');
    const bob = await registerUser(backend.url, 'Bob Relay');
    const response = await fetch(`${backend.url}/api/calls/turn-credentials`, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    const turn = TurnCredentialsResponse.parse(await response.json());
    expect(turn.turnConfigured).toBe(true);
    expect(turn.credentials?.urls).toContain(`turn:${coturn.host}:${coturn.port}?transport=udp`);

    const a = await CallClient.open(browser, backend.url, alice, { query: '&relay=1' });
    const b = await CallClient.open(browser, backend.url, bob, { query: '&relay=1' });
    await a.call(bob, 'video');
    await b.answer(true);
    // With iceTransportPolicy 'relay' the browsers gather relay candidates only: media can only be flowing
    // through coturn.
    await a.expectMediaFrom(bob);
    await b.expectMediaFrom(alice);
    await expect(a.page.getByTestId('relay-problem')).toBeHidden();
    await Promise.all([a.close(), b.close()]);
  } finally {
    await backend.stop();
  }
});

test('TURN credentials the relay refuses produce a clear error on screen', async ({ browser }) => {
  const backend = await startBackend(turnEnv(randomBytes(24).toString('hex')));
  try {
    const alice = await registerUser(backend.url, 'Alice Bad Turn');
    const bob = await registerUser(backend.url, 'Bob Bad Turn');
    const a = await CallClient.open(browser, backend.url, alice, { query: '&relay=1' });
    const b = await CallClient.open(browser, backend.url, bob, { query: '&relay=1' });
    await a.call(bob, 'video');
    await b.answer(true);

    const problem = b.page.getByTestId('relay-problem');
    await expect(problem).toBeVisible();
    await expect(problem).toHaveAttribute('data-kind', 'turn-auth-failed');
    await expect(problem).toContainText('refused');
    await b.screenshot('relay-error', test.info());
    await Promise.all([a.close(), b.close()]);
  } finally {
    await backend.stop();
  }
});
