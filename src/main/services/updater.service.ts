/**
 * Auto-update through electron-updater: check at start and every few hours, download in the background,
 * then ask "update ready, restart now?". Never in the middle of a call: the question waits until the call
 * ends. Declining leaves the update to be installed when the app next quits.
 *
 * Updating is off when there is no feed: a development run, a build made without a `publish` setting (no
 * app-update.yml beside the app), or an administrator's policy turning it off (managed machines update
 * through their own deployment tool).
 */
import { errorMessage, type Logger } from '../log.ts';
import type { AdminPolicy } from './adminPolicy.ts';

export interface UpdaterPort {
  setFeedUrl(url: string): void;
  checkForUpdates(): Promise<unknown>;
  onUpdateDownloaded(listener: (version: string) => void): void;
  onError(listener: (error: unknown) => void): void;
  quitAndInstall(): void;
}

export type UpdateMode = { enabled: false; reason: string } | { enabled: true; feedUrl: string | null };

export function updateMode(options: {
  isPackaged: boolean;
  hasBundledFeed: boolean;
  policy: AdminPolicy['autoUpdate'];
}): UpdateMode {
  const { policy } = options;
  if (!options.isPackaged) return { enabled: false, reason: 'not a packaged build' };
  if (policy?.enabled === false) return { enabled: false, reason: 'turned off by the administrator policy' };
  if (policy?.feedUrl) return { enabled: true, feedUrl: policy.feedUrl };
  if (!options.hasBundledFeed) return { enabled: false, reason: 'no update feed configured in this build' };
  return { enabled: true, feedUrl: null };
}

export const UPDATE_CHECK_INTERVAL_MS = 6 * 60 * 60 * 1000;

export interface UpdaterServiceDeps {
  /** Called only when updating is on (creating electron-updater's updater has side effects). */
  createUpdater(): UpdaterPort;
  /** Asks the user whether to restart now; resolves true for "Restart now". */
  askToRestart(version: string): Promise<boolean>;
  inCall(): boolean;
  log: Logger;
}

export class UpdaterService {
  readonly #deps: UpdaterServiceDeps;
  #readyVersion: string | null = null;
  #asking = false;
  #timer: NodeJS.Timeout | undefined;
  #updater: UpdaterPort | null = null;

  constructor(deps: UpdaterServiceDeps) {
    this.#deps = deps;
  }

  start(mode: UpdateMode): void {
    const { log } = this.#deps;
    if (!mode.enabled) {
      log.info('auto-update off', { reason: mode.reason });
      return;
    }
    const updater = this.#deps.createUpdater();
    this.#updater = updater;
    if (mode.feedUrl) updater.setFeedUrl(mode.feedUrl);
    updater.onError((error) => log.warn('auto-update failed', { error: errorMessage(error) }));
    updater.onUpdateDownloaded((version) => {
      this.#readyVersion = version;
      void this.promptIfIdle();
    });
    const check = () =>
      updater.checkForUpdates().catch((error: unknown) => {
        log.warn('auto-update check failed', { error: errorMessage(error) });
      });
    void check();
    this.#timer = setInterval(() => void check(), UPDATE_CHECK_INTERVAL_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Asks about a downloaded update unless a call is on; called again when the call ends. */
  async promptIfIdle(): Promise<void> {
    const version = this.#readyVersion;
    if (version === null || this.#asking || this.#deps.inCall()) return;
    this.#asking = true;
    try {
      if (await this.#deps.askToRestart(version)) {
        this.#updater?.quitAndInstall();
      } else {
        // Installed on the next quit (electron-updater's autoInstallOnAppQuit); do not ask again this run.
        this.#readyVersion = null;
      }
    } finally {
      this.#asking = false;
    }
  }
}
