/**
 * One signed-in user in their own browser context, driven like a person would: through the UI. Media is
 * checked from the engine's getStats (via window.__callDebug, exposed with ?debug=1).
 */
import { expect } from '@playwright/test';
import type { Browser, BrowserContext, Locator, Page, TestInfo, WebSocketRoute } from '@playwright/test';
import path from 'node:path';
import type { TestUser } from './api.ts';

interface PeerStats {
  framesDecoded: number;
  audioPacketsReceived: number;
  bytesReceived: number;
  frameWidth: number | null;
  frameHeight: number | null;
  candidatePair: { local: string; remote: string } | null;
}

/** Of one remote participant, from the engine's mediaSnapshot. */
interface PeerLink {
  state: 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'closed' | null;
  bytesSent: { audio: number; video: number };
}

interface CallDebug {
  engine: {
    getPeerStats(userId: string): Promise<PeerStats>;
    mediaSnapshot(): Promise<{ peers: Record<string, PeerLink> }>;
    readonly route: { topology: 'mesh' | 'sfu'; epoch: number | null };
  } | null;
}

declare global {
  interface Window {
    __callDebug?: CallDebug;
    /** Texts of the notices shown since watchToasts() was called. */
    __toastsSeen?: string[];
  }
}

const SCREENSHOT_DIR = path.resolve(import.meta.dirname, '..', '..', 'docs', 'screenshots');

export class CallClient {
  readonly page: Page;
  readonly user: TestUser;
  readonly #context: BrowserContext;
  /** The page's signaling WebSockets, when opened with `droppableSignaling` (see dropSignaling). */
  readonly #signaling: SignalingLink | null;

  private constructor(context: BrowserContext, page: Page, user: TestUser, signaling: SignalingLink | null) {
    this.#context = context;
    this.page = page;
    this.user = user;
    this.#signaling = signaling;
  }

  /**
   * Opens the web client served by the backend; signs in unless `signIn` is false. `droppableSignaling`
   * routes the page's signaling WebSocket through Playwright so that a test can cut it (dropSignaling).
   */
  static async open(
    browser: Browser,
    backendUrl: string,
    user: TestUser,
    options: { query?: string; signIn?: boolean; droppableSignaling?: boolean } = {},
  ): Promise<CallClient> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const signaling = options.droppableSignaling ? await SignalingLink.route(page) : null;
    page.on('pageerror', (error) => console.error(`[${user.name}] page error: ${error.message}`));
    // The app's own warnings (refused signaling, failed REST calls) explain most failures: keep them in the log.
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning')
        console.log(`[${user.name}] ${message.text()}`);
    });
    await page.goto(`${backendUrl}/?debug=1${options.query ?? ''}`);
    const client = new CallClient(context, page, user, signaling);
    if (options.signIn !== false) await client.signIn();
    return client;
  }

  async signIn(): Promise<void> {
    const form = this.page.getByTestId('sign-in');
    await form.getByLabel('Email').fill(this.user.email);
    await form.getByLabel('Password').fill(this.user.password);
    await form.locator('button[type="submit"]').click();
    await expect(this.page.getByTestId('contacts')).toBeVisible();
  }

  person(user: TestUser): Locator {
    return this.page.locator(`[data-testid="person-row"][data-email="${user.email}"]`);
  }

  /** Calls a person from the contacts list. */
  async call(peer: TestUser, type: 'audio' | 'video' = 'video'): Promise<void> {
    await this.page.getByTestId('nav-contacts').click();
    await this.person(peer).getByTestId(`call-${type}`).click();
    await expect(this.inCall()).toBeVisible();
  }

  /** Calls everyone in a group from its row in the contacts list. */
  async startGroupCall(groupTitle: string, type: 'audio' | 'video' = 'video'): Promise<void> {
    await this.page.getByTestId('nav-contacts').click();
    await this.page
      .getByTestId('group-row')
      .filter({ hasText: groupTitle })
      .getByTestId(`call-${type}`)
      .click();
    await expect(this.inCall()).toBeVisible();
  }

  incoming(): Locator {
    return this.page.getByTestId('incoming-call');
  }

  async answer(withVideo = true): Promise<void> {
    await this.incoming()
      .getByTestId(withVideo ? 'answer-video' : 'answer-audio')
      .click();
    await expect(this.inCall()).toBeVisible();
  }

  inCall(): Locator {
    return this.page.getByTestId('in-call');
  }

  tileOf(peer: TestUser): Locator {
    return this.page.locator(`[data-testid="remote-tile"][data-user-id="${peer.id}"]`);
  }

  /** How this client's call carries media now ('mesh' or 'sfu'), as the in-call screen shows it. */
  topology(): Promise<string | null> {
    return this.inCall().getAttribute('data-topology');
  }

  /** The SFU room the call's media goes through now (changes when the call moves to another Janus). */
  sfuEpoch(): Promise<number | null> {
    return this.page.evaluate(() => window.__callDebug?.engine?.route.epoch ?? null);
  }

  /** Makes `peer`'s tile the large one (the way a user asks for their best picture). */
  async spotlight(peer: TestUser): Promise<void> {
    const button = this.page.getByRole('button', { name: `Spotlight ${peer.name}`, exact: true });
    await button.click();
    await expect(button).toHaveAttribute('aria-pressed', 'true');
    await expect(this.page.getByTestId('call-grid')).toHaveAttribute('data-layout', 'spotlight');
  }

  async unspotlight(): Promise<void> {
    await this.page.keyboard.press('Escape');
    await expect(this.page.getByTestId('call-grid')).toHaveAttribute('data-layout', 'grid');
  }

  async toggleMute(): Promise<void> {
    await this.page.getByTestId('toggle-mute').click();
  }

  async hangUp(): Promise<void> {
    await this.page.getByTestId('hang-up').click();
    await expect(this.inCall()).toBeHidden();
  }

  toast(text: string | RegExp): Locator {
    return this.page.getByTestId('toast').filter({ hasText: text });
  }

  /**
   * From now on, every notice this page shows is noted, however briefly it stays: on a busy machine a
   * notice that is up for a few seconds can be missed by polling for it. Resolves to a reader of the texts.
   */
  async watchToasts(): Promise<() => Promise<string[]>> {
    await this.page.evaluate(() => {
      const seen: string[] = [];
      window.__toastsSeen = seen;
      new MutationObserver(() => {
        for (const toast of document.querySelectorAll('[data-testid="toast"]')) {
          const text = toast.textContent ?? '';
          if (!seen.includes(text)) seen.push(text);
        }
      }).observe(document.body, { childList: true, subtree: true, characterData: true });
    });
    return () => this.page.evaluate(() => window.__toastsSeen ?? []);
  }

  async stats(peer: TestUser): Promise<PeerStats | null> {
    return this.page.evaluate(
      async (id) => (await window.__callDebug?.engine?.getPeerStats(id)) ?? null,
      peer.id,
    );
  }

  /**
   * This client's connection to `peer` and the RTP bytes it sent them (getStats); null without an engine.
   * A device that rings has one too: it connected to the caller's offer (instant answer).
   */
  async linkTo(peer: TestUser): Promise<PeerLink | null> {
    return this.page.evaluate(
      async (id) => (await window.__callDebug?.engine?.mediaSnapshot())?.peers[id] ?? null,
      peer.id,
    );
  }

  /** Whether this page has a calling engine at all (a ringing device drops its own when answered elsewhere). */
  hasEngine(): Promise<boolean> {
    return this.page.evaluate(() => Boolean(window.__callDebug?.engine));
  }

  /** Both video frames decoded and audio packets received from `peer`, from this client's getStats. */
  async expectMediaFrom(peer: TestUser): Promise<void> {
    await expect
      .poll(async () => (await this.stats(peer))?.framesDecoded ?? 0, {
        message: `${this.user.name} decodes ${peer.name}'s video`,
      })
      .toBeGreaterThan(0);
    await expect
      .poll(async () => (await this.stats(peer))?.audioPacketsReceived ?? 0, {
        message: `${this.user.name} hears ${peer.name}`,
      })
      .toBeGreaterThan(0);
  }

  /**
   * Media from `peer` is flowing right now: the counters grow between two reads. (After a reconnect, old
   * counters above zero prove nothing.) `timeout`: how long it may take to start flowing.
   */
  async expectMediaFlowingFrom(peer: TestUser, options: { timeout?: number } = {}): Promise<void> {
    await expect
      .poll(() => this.mediaFlowingFrom(peer), {
        message: `${this.user.name} receives live media from ${peer.name}`,
        ...options,
      })
      .toBe(true);
  }

  /** Whether `peer`'s video frames are decoded and their audio packets received, between two reads. */
  async mediaFlowingFrom(peer: TestUser): Promise<boolean> {
    const before = await this.stats(peer);
    await this.page.waitForTimeout(400);
    const after = await this.stats(peer);
    return Boolean(
      before &&
      after &&
      after.framesDecoded > before.framesDecoded &&
      after.audioPacketsReceived > before.audioPacketsReceived,
    );
  }

  /**
   * The signaling connection drops the way a network outage ends it: both ends see it close, and the page's
   * reconnect attempt hangs until `restore` is called. Media connections are untouched: only the server's
   * reaction to the drop can stop them.
   */
  async dropSignaling(): Promise<{ restore(): void }> {
    if (!this.#signaling) throw new Error('open the client with droppableSignaling to drop its signaling');
    return this.#signaling.drop();
  }

  /** Saves a screenshot for the README (docs/screenshots) and attaches it to the test report. */
  async screenshot(name: string, testInfo: TestInfo): Promise<void> {
    const file = path.join(SCREENSHOT_DIR, `${name}.png`);
    await this.page.screenshot({ path: file });
    await testInfo.attach(name, { path: file, contentType: 'image/png' });
  }

  async close(): Promise<void> {
    await this.#context.close();
  }
}

/** The page's socket.io WebSockets, relayed to the server by Playwright until a test cuts them. */
class SignalingLink {
  readonly #open: { page: WebSocketRoute; server: WebSocketRoute }[] = [];
  /** Reconnect attempts made while the network is down: their handshake hangs until it is back. */
  readonly #waiting: WebSocketRoute[] = [];
  #down = false;

  static async route(page: Page): Promise<SignalingLink> {
    const link = new SignalingLink();
    await page.routeWebSocket(/\/socket\.io\//, (ws) => {
      if (link.#down) link.#waiting.push(ws);
      else link.#relay(ws);
    });
    return link;
  }

  async drop(): Promise<{ restore(): void }> {
    this.#down = true;
    const open = this.#open.splice(0);
    if (open.length === 0) throw new Error('the page has no signaling connection to drop');
    for (const { page, server } of open) await Promise.all([server.close(), page.close()]);
    return {
      restore: () => {
        this.#down = false;
        for (const ws of this.#waiting.splice(0)) this.#relay(ws);
      },
    };
  }

  #relay(ws: WebSocketRoute): void {
    this.#open.push({ page: ws, server: ws.connectToServer() });
  }
}
