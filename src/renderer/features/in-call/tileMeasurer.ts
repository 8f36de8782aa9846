/**
 * Measures the remote tiles with one ResizeObserver and reports the whole view (see remoteView.ts) to the
 * call controller. Debounced, because a window being dragged resizes every tile on every frame and each
 * report can end up as a layer switch at the media server; and only on change, because the grid re-renders
 * far more often than it changes shape.
 */
import type { RemoteTileView } from '../../webrtc/types.ts';
import { buildRemoteView, sameRemoteView } from './remoteView.ts';
import type { TileSize } from './remoteView.ts';

export const REPORT_DEBOUNCE_MS = 200;

export interface ViewedParticipant {
  userId: string;
  screenSharing: boolean;
}

export class TileMeasurer {
  #report: ((view: RemoteTileView[]) => void) | null;
  readonly #debounceMs: number;
  #observer: ResizeObserver | null = null;
  readonly #userOf = new Map<Element, string>();
  readonly #elementOf = new Map<string, Element>();
  readonly #sizes = new Map<string, TileSize>();
  /** One callback ref per user, so React does not detach and reattach it on every render. */
  readonly #refs = new Map<string, (element: HTMLElement | null) => void>();
  #participants: readonly ViewedParticipant[] = [];
  #last: RemoteTileView[] | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(report: ((view: RemoteTileView[]) => void) | null = null, debounceMs = REPORT_DEBOUNCE_MS) {
    this.#report = report;
    this.#debounceMs = debounceMs;
  }

  /** Where the view goes (the latest controller: a new sign-in brings a new one). */
  setReport(report: (view: RemoteTileView[]) => void): void {
    if (report === this.#report) return;
    this.#report = report;
    // A new receiver knows nothing yet: it gets the current view even if the tiles did not move.
    this.#last = null;
    this.#schedule();
  }

  /** The ref for `userId`'s tile element. */
  refFor(userId: string): (element: HTMLElement | null) => void {
    let ref = this.#refs.get(userId);
    if (!ref) {
      ref = (element) => (element ? this.#attach(userId, element) : this.#detach(userId));
      this.#refs.set(userId, ref);
    }
    return ref;
  }

  /** Everyone the view must cover (tile or not), in display-independent order. */
  setParticipants(participants: readonly ViewedParticipant[]): void {
    const same =
      participants.length === this.#participants.length &&
      participants.every(
        (p, i) =>
          p.userId === this.#participants[i]!.userId &&
          p.screenSharing === this.#participants[i]!.screenSharing,
      );
    if (same) return;
    this.#participants = participants.map((p) => ({ userId: p.userId, screenSharing: p.screenSharing }));
    this.#schedule();
  }

  /** Starts observing (the tiles attached so far included). Idempotent. */
  start(): void {
    if (this.#observer) return;
    this.#observer = new ResizeObserver((entries) => this.#onResize(entries));
    // The observer reports each element's size right after observe(): nothing to measure by hand.
    for (const element of this.#elementOf.values()) this.#observer.observe(element);
    this.#schedule();
  }

  /** Stops observing and forgets what was reported, so that a restart reports afresh. */
  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#observer?.disconnect();
    this.#observer = null;
    this.#last = null;
  }

  #attach(userId: string, element: HTMLElement): void {
    const previous = this.#elementOf.get(userId);
    if (previous === element) return;
    if (previous) this.#detach(userId);
    this.#userOf.set(element, userId);
    this.#elementOf.set(userId, element);
    this.#observer?.observe(element);
  }

  #detach(userId: string): void {
    const element = this.#elementOf.get(userId);
    if (!element) return;
    this.#observer?.unobserve(element);
    this.#userOf.delete(element);
    this.#elementOf.delete(userId);
    this.#sizes.delete(userId);
    this.#schedule();
  }

  #onResize(entries: ResizeObserverEntry[]): void {
    for (const entry of entries) {
      const userId = this.#userOf.get(entry.target);
      if (userId === undefined) continue;
      const { width, height } = entry.contentRect;
      this.#sizes.set(userId, { width, height });
    }
    this.#schedule();
  }

  #schedule(): void {
    if (!this.#observer) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#flush();
    }, this.#debounceMs);
  }

  #flush(): void {
    const view = buildRemoteView(this.#participants, this.#sizes);
    if (!this.#report || (this.#last && sameRemoteView(this.#last, view))) return;
    this.#last = view;
    this.#report(view);
  }
}
