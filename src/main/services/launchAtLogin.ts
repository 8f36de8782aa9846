/**
 * "Launch at login". macOS and Windows have an API for it (app.setLoginItemSettings); Linux desktops follow
 * the XDG autostart spec instead, a .desktop file in ~/.config/autostart, which Electron does not write.
 * Either way the app starts with --hidden: in the tray, reachable for calls, without a window in the face.
 */
import path from 'node:path';

export const HIDDEN_AT_LOGIN_FLAG = '--hidden';

export interface LaunchAtLoginPorts {
  platform: NodeJS.Platform;
  /** macOS / Windows: Electron's login item. */
  setLoginItem(openAtLogin: boolean, args: string[]): void;
  /** Linux: the command to start this install (the AppImage's path when run from one). */
  executable: string;
  /** Linux: $XDG_CONFIG_HOME or ~/.config. */
  configHome: string;
  writeFile(file: string, content: string): void;
  removeFile(file: string): void;
}

/** Quotes an argument of a desktop entry's Exec key (XDG desktop entry spec, "The Exec key"). */
function quoteExecArgument(arg: string): string {
  return /[\s"'\\$`]/.test(arg) ? `"${arg.replace(/(["\\$`])/g, '\\$1')}"` : arg;
}

export function autostartDesktopEntry(executable: string): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=CallBridge',
    'Comment=Voice and video calls',
    `Exec=${quoteExecArgument(executable)} ${HIDDEN_AT_LOGIN_FLAG}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

export function applyLaunchAtLogin(enabled: boolean, ports: LaunchAtLoginPorts): void {
  if (ports.platform !== 'linux') {
    ports.setLoginItem(enabled, [HIDDEN_AT_LOGIN_FLAG]);
    return;
  }
  const file = path.join(ports.configHome, 'autostart', 'org.callbridge.desktop.desktop');
  if (enabled) ports.writeFile(file, autostartDesktopEntry(ports.executable));
  else ports.removeFile(file);
}
