import { readFileSync } from 'node:fs';
import path from 'node:path';
import electronUpdater from 'electron-updater';
import { errorMessage } from '../log.ts';
import { bundledUpdateConfig, type BundledUpdateRead } from '../services/appUpdateConfig.ts';
import type { UpdaterPort } from '../services/updater.service.ts';

/** The app-update.yml electron-builder writes into the resources when the build has a `publish` feed. */
export function readBundledUpdateConfig(): BundledUpdateRead {
  let text: string;
  try {
    text = readFileSync(path.join(process.resourcesPath, 'app-update.yml'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'absent' };
    return { status: 'unreadable', problem: `app-update.yml: ${errorMessage(error)}` };
  }
  return bundledUpdateConfig(text);
}

/** Only called when updating is on: reading `autoUpdater` instantiates the platform's updater. */
export function electronUpdaterPort(): UpdaterPort {
  const { autoUpdater } = electronUpdater;
  autoUpdater.autoDownload = true;
  autoUpdater.autoInstallOnAppQuit = true;
  // Our own logger reports failures; electron-updater's default logs full HTTP errors to the console.
  autoUpdater.logger = null;
  return {
    setFeedUrl: (url) => autoUpdater.setFeedURL({ provider: 'generic', url }),
    checkForUpdates: () => autoUpdater.checkForUpdates(),
    onUpdateDownloaded: (listener) =>
      void autoUpdater.on('update-downloaded', (info) => listener(info.version)),
    onError: (listener) => void autoUpdater.on('error', listener),
    quitAndInstall: () => autoUpdater.quitAndInstall(),
  };
}
