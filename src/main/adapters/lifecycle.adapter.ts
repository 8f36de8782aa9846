import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { app } from 'electron';
import type { CallPresence } from '../../shared/desktopApi.ts';
import { applyLaunchAtLogin, HIDDEN_AT_LOGIN_FLAG } from '../services/launchAtLogin.ts';
import { quitNeedsConfirmation } from '../windows/closePolicy.ts';

/** Applies "launch at login" for this install (packaged builds only). */
export function setLaunchAtLogin(enabled: boolean): void {
  // A development run would register the bare Electron binary as a login item.
  if (!app.isPackaged) return;
  applyLaunchAtLogin(enabled, {
    platform: process.platform,
    setLoginItem: (openAtLogin, args) => app.setLoginItemSettings({ openAtLogin, args }),
    executable: process.env.APPIMAGE ?? process.execPath,
    configHome: process.env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'),
    writeFile: (file, content) => {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, content);
    },
    removeFile: (file) => rmSync(file, { force: true }),
  });
}

/** Started by the login item: stay in the tray. */
export function launchedAtLogin(): boolean {
  return (
    process.argv.includes(HIDDEN_AT_LOGIN_FLAG) ||
    (process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin)
  );
}

/**
 * Asks before quitting during a call (tray Quit, Cmd+Q, an update's restart...). Returns whether the app is
 * quitting, for the main window's close handler.
 */
export function guardQuitDuringCalls(
  presence: () => CallPresence,
  confirm: () => Promise<boolean>,
): { quitting(): boolean } {
  let quitting = false;
  let confirming = false;
  let confirmed = false;
  app.on('before-quit', (event) => {
    if (!confirmed && quitNeedsConfirmation(presence())) {
      event.preventDefault();
      if (confirming) return;
      confirming = true;
      void confirm().then((leave) => {
        confirming = false;
        if (!leave) return;
        confirmed = true;
        app.quit();
      });
      return;
    }
    quitting = true;
  });
  return { quitting: () => quitting };
}
