/**
 * The pool against real Janus processes: connecting, noticing a crash (SIGKILL) once, reconnecting when the
 * instance comes back on the same port. Needs `janus` on PATH: skipped without it, failing under CI=true.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isJanusInstalled, startJanus, type RunningJanus } from '../../test/support/janus.ts';
import { createLogger } from '../logger.ts';
import { attachVideoRoom, createJanusPool, type JanusPool } from './janusPool.ts';

const janusRequired = process.env.CI === 'true';
const janusInstalled = isJanusInstalled();
const suite =
  janusInstalled || janusRequired
    ? 'Janus pool against the real Janus'
    : 'Janus pool against the real Janus (skipped: janus not installed)';

const logger = createLogger('silent');

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!janusInstalled && !janusRequired)(suite, () => {
  const januses: RunningJanus[] = [];
  const pools: JanusPool[] = [];
  const start = async (options?: Parameters<typeof startJanus>[0]) => {
    const janus = await startJanus(options);
    januses.push(janus);
    return janus;
  };
  const pool = (urls: string[], client?: Parameters<typeof createJanusPool>[0]['client']) => {
    const created = createJanusPool({ urls, logger, reconnectDelayMs: 100, client });
    pools.push(created);
    return created;
  };

  afterEach(async () => {
    for (const created of pools.splice(0)) await created.close();
    for (const janus of januses.splice(0)) await janus.stop();
  });

  it('connects to every instance and hands out a live session', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const janusPool = pool([a.url, b.url, a.url]);
    expect(janusPool.urls()).toEqual([a.url, b.url]);
    // session() waits for the connection in progress at start-up.
    const session = await janusPool.session(b.url);
    await waitFor(() => janusPool.healthy().length === 2, 'both instances up');
    expect(janusPool.healthy()).toEqual([a.url, b.url]);

    const handle = await attachVideoRoom(session);
    const answer = await handle.message({ request: 'list' });
    expect(answer.plugindata?.data.videoroom).toBe('success');
    expect(await janusPool.session(b.url)).toBe(session);
  });

  it('reports a killed instance down once, and up again when it restarts on the same port', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const janusPool = pool([a.url, b.url]);
    const downs: string[] = [];
    const ups: string[] = [];
    janusPool.onInstanceDown((url) => downs.push(url));
    janusPool.onInstanceUp((url) => ups.push(url));
    await waitFor(() => janusPool.healthy().length === 2, 'both instances up');
    expect(ups.sort()).toEqual([a.url, b.url].sort());
    const firstSession = await janusPool.session(a.url);

    await a.kill();
    await waitFor(() => downs.length > 0, 'the down report');
    expect(downs).toEqual([a.url]);
    expect(janusPool.healthy()).toEqual([b.url]);
    await expect(janusPool.session(a.url)).rejects.toMatchObject({ code: 'unavailable' });

    // Several reconnect attempts fail meanwhile (100 ms backoff): still one report.
    await sleep(1500);
    expect(downs).toEqual([a.url]);

    const restarted = await start({ wsPort: a.wsPort, adminKey: a.adminKey });
    await waitFor(() => janusPool.healthy().length === 2, 'the instance back up');
    expect(ups.filter((url) => url === a.url)).toHaveLength(2);
    expect(downs).toEqual([a.url]);
    expect(janusPool.healthy()).toEqual([restarted.url, b.url]);
    const newSession = await janusPool.session(a.url);
    expect(newSession).not.toBe(firstSession);
    const handle = await attachVideoRoom(newSession);
    expect((await handle.message({ request: 'list' })).plugindata?.data.videoroom).toBe('success');
  });

  it('reports a stalled instance down when its keepalive goes unanswered, and up again once it resumes', async () => {
    const a = await start();
    const janusPool = pool([a.url], {
      keepaliveIntervalMs: 300,
      keepaliveTimeoutMs: 500,
      connectTimeoutMs: 500,
    });
    const downs: string[] = [];
    const ups: string[] = [];
    janusPool.onInstanceDown((url) => downs.push(url));
    janusPool.onInstanceUp((url) => ups.push(url));
    const firstSession = await janusPool.session(a.url);

    // A stalled Janus keeps its TCP connection open: only the unanswered keepalive gives it away.
    process.kill(a.pid, 'SIGSTOP');
    try {
      await waitFor(() => downs.length > 0, 'the down report', 5000);
      expect(janusPool.healthy()).toEqual([]);
      await sleep(1500); // reconnect attempts time out meanwhile: still one report
      expect(downs).toEqual([a.url]);
    } finally {
      process.kill(a.pid, 'SIGCONT');
    }
    await waitFor(() => janusPool.healthy().length === 1, 'the instance back up');
    expect(downs).toEqual([a.url]);
    const handle = await attachVideoRoom(await janusPool.session(a.url));
    expect(await janusPool.session(a.url)).not.toBe(firstSession);
    expect((await handle.message({ request: 'list' })).plugindata?.data.videoroom).toBe('success');
  });

  it('reports an instance that cannot be reached at start-up down once', async () => {
    const janusPool = pool(['ws://127.0.0.1:1']);
    const downs: string[] = [];
    janusPool.onInstanceDown((url) => downs.push(url));
    await expect(janusPool.session('ws://127.0.0.1:1')).rejects.toMatchObject({ code: 'unavailable' });
    await waitFor(() => downs.length > 0, 'the down report');
    await sleep(1000);
    expect(downs).toEqual(['ws://127.0.0.1:1']);
    expect(janusPool.healthy()).toEqual([]);
  });

  it('stops reconnecting once closed', async () => {
    const a = await start();
    const janusPool = pool([a.url]);
    await janusPool.session(a.url);
    const ups: string[] = [];
    janusPool.onInstanceUp((url) => ups.push(url));
    await a.kill();
    await janusPool.close();
    await start({ wsPort: a.wsPort });
    await sleep(1000);
    expect(janusPool.healthy()).toEqual([]);
    expect(ups).toHaveLength(0);
    await expect(janusPool.session(a.url)).rejects.toMatchObject({ code: 'unavailable' });
  });
});
