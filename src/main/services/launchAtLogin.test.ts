import { describe, expect, it } from 'vitest';
import { applyLaunchAtLogin, type LaunchAtLoginPorts } from './launchAtLogin.ts';

function fakePorts(platform: NodeJS.Platform) {
  const files = new Map<string, string>();
  const loginItems: Array<[boolean, string[]]> = [];
  const ports: LaunchAtLoginPorts = {
    platform,
    setLoginItem: (open, args) => loginItems.push([open, args]),
    executable: '/home/ana/Apps/CallBridge 1.0.AppImage',
    configHome: '/home/ana/.config',
    writeFile: (file, content) => void files.set(file, content),
    removeFile: (file) => void files.delete(file),
  };
  return { ports, files, loginItems };
}

describe('launch at login', () => {
  it('uses the login item on macOS and Windows, started hidden', () => {
    const { ports, loginItems, files } = fakePorts('win32');
    applyLaunchAtLogin(true, ports);
    applyLaunchAtLogin(false, ports);
    expect(loginItems).toEqual([
      [true, ['--hidden']],
      [false, ['--hidden']],
    ]);
    expect(files.size).toBe(0);
  });

  it('writes and removes an XDG autostart entry on Linux', () => {
    const { ports, files } = fakePorts('linux');
    applyLaunchAtLogin(true, ports);
    const entry = files.get('/home/ana/.config/autostart/org.callbridge.desktop.desktop');
    expect(entry).toContain('Exec="/home/ana/Apps/CallBridge 1.0.AppImage" --hidden\n');
    expect(entry).toMatch(/^\[Desktop Entry\]\nType=Application\n/);
    applyLaunchAtLogin(false, ports);
    expect(files.size).toBe(0);
  });
});
