import { existsSync } from 'node:fs';
import path from 'node:path';
import electronUpdater from 'electron-updater';
import type { UpdaterPort } from '../services/updater.service.ts';

/** electron-builder writes app-update.yml next to the app when the build has a `publish` feed. */
export function hasBundledUpdateFeed(): boolean {
  return existsSync(path.join(process.resourcesPath, 'app-update.yml'));
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
