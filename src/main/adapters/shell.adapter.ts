import path from 'node:path';
import {
  app,
  dialog,
  Menu,
  nativeImage,
  Notification,
  shell,
  Tray,
  type BrowserWindow,
  type MenuItemConstructorOptions,
  type NativeImage,
} from 'electron';
import { errorMessage, type Logger } from '../log.ts';
import { externalLinkDecision } from '../security/navigation.ts';
import type { CallAlertPorts } from '../services/callAlerts.service.ts';
import type { SaveDialogPort } from '../services/recordingSave.service.ts';
import type { TrayAction, TrayIcon, TrayMenuItem } from '../services/trayModel.ts';
import { applicationMenuTemplate } from '../windows/applicationMenu.ts';

const TRAY_ICONS: readonly TrayIcon[] = ['idle', 'ringing', 'in-call', 'sharing', 'missed'];

/** Loads resources/tray/<state>.png (with its @2x sibling picked up by nativeImage on HiDPI screens). */
function loadTrayIcons(iconDir: string): Record<TrayIcon, NativeImage> {
  return Object.fromEntries(
    TRAY_ICONS.map((icon) => [icon, nativeImage.createFromPath(path.join(iconDir, `${icon}.png`))]),
  ) as Record<TrayIcon, NativeImage>;
}

function toMenuTemplate(
  items: TrayMenuItem[],
  onAction: (action: TrayAction) => void,
): MenuItemConstructorOptions[] {
  return items.map((item): MenuItemConstructorOptions => {
    switch (item.kind) {
      case 'separator':
        return { type: 'separator' };
      case 'submenu':
        return { label: item.label, submenu: toMenuTemplate(item.items, onAction) };
      case 'checkbox':
        return {
          type: 'checkbox',
          label: item.label,
          checked: item.checked,
          enabled: item.enabled,
          click: () => onAction(item.action),
        };
      case 'action':
        return { label: item.label, enabled: item.enabled, click: () => onAction(item.action) };
    }
  });
}

export function trayPort(iconDir: string, onAction: (action: TrayAction) => void): CallAlertPorts['tray'] {
  const icons = loadTrayIcons(iconDir);
  const tray = new Tray(icons.idle);
  // Windows and most Linux trays open the window on a left click; the menu is on the right click.
  if (process.platform !== 'darwin') tray.on('click', () => onAction({ type: 'open' }));
  return {
    render(model) {
      tray.setImage(icons[model.icon]);
      tray.setToolTip(model.tooltip);
      tray.setContextMenu(Menu.buildFromTemplate(toMenuTemplate(model.menu, onAction)));
    },
  };
}

export function notificationsPort(
  iconPath: string,
  onAction: (action: TrayAction) => void,
): CallAlertPorts['notifications'] {
  // A notification that is garbage-collected before it is clicked loses its click handler (Windows, Linux).
  const alive = new Set<Notification>();
  return {
    missedCall(call, unseenCount) {
      if (!Notification.isSupported()) return;
      const notification = new Notification({
        title: unseenCount > 1 ? `${unseenCount} missed calls` : 'Missed call',
        body: `${call.callerName} tried to reach you (${call.type === 'video' ? 'video' : 'audio'} call)`,
        icon: iconPath,
      });
      alive.add(notification);
      const forget = () => alive.delete(notification);
      notification.on('click', () => {
        forget();
        onAction({ type: 'open-history' });
      });
      notification.on('close', forget);
      notification.show();
    },
  };
}

export function attentionPort(
  mainWindow: () => BrowserWindow | null,
  overlayIconPath: string,
): CallAlertPorts['attention'] {
  const overlay = nativeImage.createFromPath(overlayIconPath);
  return {
    setMissedCount(count) {
      // The dock (macOS) and Unity-style launchers (Linux) show the number; Windows shows an overlay dot.
      app.setBadgeCount(count);
      const win = mainWindow();
      if (process.platform === 'win32' && win && !win.isDestroyed()) {
        win.setOverlayIcon(count > 0 ? overlay : null, count > 0 ? `${count} missed calls` : '');
      }
    },
    request() {
      const win = mainWindow();
      if (win && !win.isDestroyed() && !win.isFocused()) win.flashFrame(true);
    },
  };
}

export async function confirmQuitDuringCall(win: BrowserWindow | null): Promise<boolean> {
  const options = {
    type: 'question' as const,
    buttons: ['Leave call and quit', 'Cancel'],
    defaultId: 1,
    cancelId: 1,
    message: 'You are in a call',
    detail: 'Quitting CallBridge ends the call for you.',
  };
  const { response } = win ? await dialog.showMessageBox(win, options) : await dialog.showMessageBox(options);
  return response === 0;
}

export async function askToRestartForUpdate(version: string): Promise<boolean> {
  const { response } = await dialog.showMessageBox({
    type: 'info',
    buttons: ['Restart now', 'Later'],
    defaultId: 0,
    cancelId: 1,
    message: `CallBridge ${version} is ready`,
    detail: 'Restart to finish updating. If you choose Later, the update is installed when you next quit.',
  });
  return response === 0;
}

export function installApplicationMenu(): void {
  const template = applicationMenuTemplate({ platform: process.platform, isPackaged: app.isPackaged });
  Menu.setApplicationMenu(Menu.buildFromTemplate(template as MenuItemConstructorOptions[]));
}

/**
 * Opens a web or mail link with the OS, asking first (in a dialog of the main process, which no page can
 * draw over or click through) unless it is on the configured server's own origin.
 */
export function externalLinkOpener(options: {
  serverUrl: () => string | null;
  parent: () => BrowserWindow | null;
  log: Logger;
}): (url: string) => void {
  const open = (url: string) =>
    shell
      .openExternal(url)
      .catch((error: unknown) => options.log.warn('could not open link', { error: errorMessage(error) }));
  return (url) => {
    const decision = externalLinkDecision(url, options.serverUrl());
    if (decision.action === 'deny') return;
    if (decision.action === 'open') {
      void open(decision.url);
      return;
    }
    const isMail = decision.url.startsWith('mailto:');
    const box = {
      type: 'question' as const,
      buttons: [isMail ? 'Write e-mail' : 'Open link', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
      message: isMail
        ? `Write an e-mail to ${decision.destination}?`
        : `Open ${decision.destination} in your browser?`,
      detail: decision.url,
    };
    const parent = options.parent();
    const asked =
      parent && !parent.isDestroyed() ? dialog.showMessageBox(parent, box) : dialog.showMessageBox(box);
    void asked.then(({ response }) => {
      if (response === 0) void open(decision.url);
    });
  };
}

/** "Save recording": the OS's save dialog over the main window, starting in the Downloads folder. */
export function recordingSaveDialog(parent: () => BrowserWindow | null): SaveDialogPort {
  return {
    async chooseRecordingPath(defaultName) {
      const options = {
        title: 'Save recording',
        defaultPath: path.join(app.getPath('downloads'), defaultName),
        filters: [{ name: 'WebM video', extensions: ['webm'] }],
      };
      const win = parent();
      const { canceled, filePath } =
        win && !win.isDestroyed()
          ? await dialog.showSaveDialog(win, options)
          : await dialog.showSaveDialog(options);
      return canceled || !filePath ? null : filePath;
    },
  };
}
