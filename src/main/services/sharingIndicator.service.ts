/**
 * The main process's own sign that the screen is being shared: a small always-on-top window ("You are
 * sharing <source> — Stop", kept out of captures) and the tray's state, shown from the moment the
 * display-media handler hands a source to a page until that capture ends. It does not depend on the page to
 * appear (main starts it when it grants the capture), so a page cannot share the screen without it.
 *
 * A capture ends when the page that holds it says so (its last track stopped, for whatever reason) or when
 * that page goes away (closed, crashed, navigated, reloaded). Stop asks the page to end its share; the
 * indicator stays until the page confirms, because only then has the capture really stopped.
 */
import type { Logger } from '../log.ts';

export interface SharingView {
  /** What is shared: the source's name, or how many when there are several. */
  label: string;
  /** Stop was clicked and the page has not confirmed yet. */
  stopping: boolean;
}

export interface SharingIndicatorPorts {
  indicator: { show(view: SharingView): void; close(): void };
  tray: { setSharing(view: SharingView | null): void };
  /** Asks the page that owns these captures to end its screen share. */
  requestStop(webContentsId: number): void;
  log: Logger;
}

interface Capture {
  readonly webContentsId: number;
  readonly sourceName: string;
}

/** A window title can be anything; the indicator shows a line of it. */
const MAX_SOURCE_NAME = 80;

function shortName(name: string): string {
  const clean = name.replace(/\s+/g, ' ').trim() || 'a window';
  return clean.length > MAX_SOURCE_NAME ? `${clean.slice(0, MAX_SOURCE_NAME - 1)}…` : clean;
}

export class SharingIndicatorService {
  readonly #ports: SharingIndicatorPorts;
  /** Running captures, oldest first. */
  #captures: Capture[] = [];
  #stopping = false;

  constructor(ports: SharingIndicatorPorts) {
    this.#ports = ports;
  }

  get active(): boolean {
    return this.#captures.length > 0;
  }

  /** The display-media handler granted `sourceName` to the page in `webContentsId`. */
  captureStarted(webContentsId: number, sourceName: string): void {
    this.#captures.push({ webContentsId, sourceName: shortName(sourceName) });
    this.#stopping = false;
    this.#ports.log.info('screen share started', { webContentsId });
    this.#render();
  }

  /**
   * The page reports that one of its captures ended. A page holds one share at a time, so the oldest is the
   * one that ended; with two at once (a new share replacing the old), the count is still right.
   */
  captureEnded(webContentsId: number): void {
    const index = this.#captures.findIndex((c) => c.webContentsId === webContentsId);
    if (index === -1) return;
    this.#captures.splice(index, 1);
    this.#ports.log.info('screen share ended', { webContentsId });
    this.#render();
  }

  /** The page went away, and every capture it held with it. */
  rendererGone(webContentsId: number): void {
    const before = this.#captures.length;
    this.#captures = this.#captures.filter((c) => c.webContentsId !== webContentsId);
    if (this.#captures.length !== before) this.#render();
  }

  /** Stop in the indicator or the tray. */
  stop(): void {
    if (!this.active) return;
    this.#stopping = true;
    for (const id of new Set(this.#captures.map((c) => c.webContentsId))) this.#ports.requestStop(id);
    this.#render();
  }

  #render(): void {
    if (!this.active) {
      this.#stopping = false;
      this.#ports.indicator.close();
      this.#ports.tray.setSharing(null);
      return;
    }
    const count = this.#captures.length;
    const view: SharingView = {
      label: count === 1 ? this.#captures[0]!.sourceName : `${count} screens or windows`,
      stopping: this.#stopping,
    };
    this.#ports.indicator.show(view);
    this.#ports.tray.setSharing(view);
  }
}
