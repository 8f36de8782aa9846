/**
 * Makes the display-media handler the only way to a screen capture. Electron grants a capture in two steps
 * for getDisplayMedia (the permission handler, then at once the display-media handler, which requires a
 * user gesture and shows the picker) and in one for the legacy chromeMediaSource getUserMedia path (the
 * permission handler alone, then the capture of whatever source the page named). The permission handler
 * cannot tell which it is answering (see permissions.ts), so every capture permission it grants opens an
 * expectation here, which the display-media handler must meet within a short time. One that is not met was
 * the legacy path: a capture the user never chose, which the caller ends by reloading the page that holds
 * it.
 *
 * Our renderer never uses the legacy path, so this fires only for code that should not be running in it.
 */

/** Generous: the display-media handler is called in the same main-process turn as the permission grant. */
export const DISPLAY_MEDIA_EXPECTED_WITHIN_MS = 3000;

export interface CaptureGateDeps {
  /** A capture was granted that did not go through the display-media handler. */
  onUnexpectedCapture(webContentsId: number): void;
  timeoutMs?: number;
}

export class CaptureGate {
  readonly #deps: CaptureGateDeps;
  /** Per webContents: the timers of grants not yet followed by a display-media request, oldest first. */
  readonly #expected = new Map<number, NodeJS.Timeout[]>();

  constructor(deps: CaptureGateDeps) {
    this.#deps = deps;
  }

  /** Call before granting a capture permission (Electron may call the display-media handler synchronously). */
  permissionGranted(webContentsId: number): void {
    const timers = this.#expected.get(webContentsId) ?? [];
    const timer = setTimeout(() => {
      const pending = this.#expected.get(webContentsId);
      pending?.splice(pending.indexOf(timer), 1);
      if (pending?.length === 0) this.#expected.delete(webContentsId);
      this.#deps.onUnexpectedCapture(webContentsId);
    }, this.#deps.timeoutMs ?? DISPLAY_MEDIA_EXPECTED_WITHIN_MS);
    timers.push(timer);
    this.#expected.set(webContentsId, timers);
  }

  /** The display-media handler was called for this webContents: the oldest expectation is met. */
  displayMediaRequested(webContentsId: number): void {
    const timers = this.#expected.get(webContentsId);
    clearTimeout(timers?.shift());
    if (timers?.length === 0) this.#expected.delete(webContentsId);
  }

  /** The page went away: whatever it had been granted went with it. */
  rendererGone(webContentsId: number): void {
    for (const timer of this.#expected.get(webContentsId) ?? []) clearTimeout(timer);
    this.#expected.delete(webContentsId);
  }

  dispose(): void {
    for (const id of [...this.#expected.keys()]) this.rendererGone(id);
  }
}
