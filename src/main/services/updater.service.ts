/**
 * Auto-update through electron-updater: check at start and every few hours, download in the background,
 * then ask "update ready, restart now?". Never in the middle of a call: the question waits until the call
 * ends. Declining leaves the update to be installed when the app next quits.
 *
 * Updating fails closed: it runs only when a downloaded update will be checked against the publisher's code
 * signature (see `updateMode`). Otherwise (a development run, a build without a feed, an administrator's
 * policy turning it off or that could not be read, no known publisher) it stays off and the log says why.
 */
import { errorMessage, type Logger } from '../log.ts';
import type { PolicyState } from '../policy/adminPolicy.ts';
import type { BundledUpdateRead } from './appUpdateConfig.ts';

export interface UpdaterPort {
  setFeedUrl(url: string): void;
  checkForUpdates(): Promise<unknown>;
  onUpdateDownloaded(listener: (version: string) => void): void;
  onError(listener: (error: unknown) => void): void;
  quitAndInstall(): void;
}

export type UpdateMode = { enabled: false; reason: string } | { enabled: true; feedUrl: string | null };

export interface UpdateModeInputs {
  isPackaged: boolean;
  platform: NodeJS.Platform;
  /** The build's app-update.yml (electron-builder writes it when the build has a `publish` feed). */
  bundled: BundledUpdateRead;
  policy: PolicyState;
}

/**
 * Whether the app updates itself, and from where. The administrator's policy can turn updating off or move
 * the feed (`autoUpdate.feedUrl`), never turn it on for a build that was not made for it: the build's
 * app-update.yml is what names the publisher an update must be signed by, and electron-updater reads the
 * publisher from that file whatever feed it downloads from.
 *
 * - Windows: electron-updater checks the installer's Authenticode signature against `publisherName`, and
 *   skips the check entirely when there is none. No publisher, no updates.
 * - macOS: Squirrel.Mac refuses an update whose code signature does not satisfy the running app's
 *   designated requirement (same Developer ID), so a signed build is always checked.
 * - Linux: electron-updater verifies only the checksum published next to the download, which whoever
 *   controls the feed also controls; there is no publisher to check. Packages come from the distribution's
 *   signed repositories instead.
 */
export function updateMode(inputs: UpdateModeInputs): UpdateMode {
  const off = (reason: string): UpdateMode => ({ enabled: false, reason });
  const { bundled, policy } = inputs;
  if (!inputs.isPackaged) return off('not a packaged build');
  if (policy.status === 'unreadable') return off('the administrator policy could not be read');
  const fromPolicy = policy.status === 'applied' ? policy.policy.autoUpdate : undefined;
  if (fromPolicy?.enabled === false) return off('turned off by the administrator policy');
  if (bundled.status === 'absent') return off('this build has no update feed (no app-update.yml)');
  if (bundled.status === 'unreadable') return off(bundled.problem);
  switch (inputs.platform) {
    case 'win32':
      if (bundled.config.publisherNames.length === 0)
        return off('no code-signing publisher is known for this build, so updates could not be verified');
      break;
    case 'darwin':
      break;
    case 'linux':
      return off('on Linux, updates come from the package repository (no publisher signature to verify)');
    default:
      return off(`no verified updates on ${inputs.platform}`);
  }
  return { enabled: true, feedUrl: fromPolicy?.feedUrl ?? null };
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
