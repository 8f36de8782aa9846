import path from 'node:path';
import {
  app,
  dialog,
  Menu,
  nativeImage,
  Notification,
  Tray,
  type BrowserWindow,
  type MenuItemConstructorOptions,
  type NativeImage,
} from 'electron';
import type { CallAlertPorts } from '../services/callAlerts.service.ts';
import type { TrayAction, TrayIcon, TrayMenuItem } from '../services/trayModel.ts';

const TRAY_ICONS: readonly TrayIcon[] = ['idle', 'ringing', 'in-call', 'missed'];

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
