import { describe, expect, it } from 'vitest';
import type { Settings, ShellAction } from '../../shared/desktopApi.ts';
import type { Logger } from '../log.ts';
import { globalShortcutProblem } from './accelerator.ts';
import { MuteShortcutService, type GlobalShortcutPort } from './muteShortcut.service.ts';

const log: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/** A desktop where another app already holds Ctrl+Alt+T. */
function fakeDesktop() {
  const registered = new Map<string, () => void>();
  const port: GlobalShortcutPort = {
    register: (accelerator, callback) => {
      if (accelerator === 'Ctrl+Alt+T' || registered.has(accelerator)) return false;
      registered.set(accelerator, callback);
      return true;
    },
    unregister: (accelerator) => void registered.delete(accelerator),
  };
  return { port, registered, press: (accelerator: string) => registered.get(accelerator)?.() };
}

const settings = (muteShortcut: string) => ({ muteShortcut }) as Settings;

describe('global mute shortcut', () => {
  it('sends toggle-mute to the renderer when pressed', () => {
    const desktop = fakeDesktop();
    const actions: ShellAction[] = [];
    new MuteShortcutService(desktop.port, (a) => actions.push(a), log).start(
      settings('CommandOrControl+Shift+M'),
    );
    desktop.press('CommandOrControl+Shift+M');
    expect(actions).toEqual([{ type: 'toggle-mute' }]);
  });

  it('moves to a new shortcut, and refuses one another app holds, keeping the old', () => {
    const desktop = fakeDesktop();
    const service = new MuteShortcutService(desktop.port, () => {}, log);
    service.start(settings('CommandOrControl+Shift+M'));

    expect(service.guard(settings('Alt+F9'), settings('CommandOrControl+Shift+M')).ok).toBe(true);
    expect([...desktop.registered.keys()]).toEqual(['Alt+F9']);

    const taken = service.guard(settings('Ctrl+Alt+T'), settings('Alt+F9'));
    expect(taken).toMatchObject({ ok: false, error: { code: 'shortcut_unavailable' } });
    expect([...desktop.registered.keys()]).toEqual(['Alt+F9']);

    expect(service.guard(settings(''), settings('Alt+F9')).ok).toBe(true);
    expect(desktop.registered.size).toBe(0);
  });
});

describe('accelerator validation', () => {
  it('accepts Electron accelerators with a real modifier, and function or media keys alone', () => {
    for (const ok of [
      'CommandOrControl+Shift+M',
      'Ctrl+Alt+K',
      'Super+Plus',
      'Alt+num5',
      'F9',
      'MediaPlayPause',
      'Cmd+/',
    ]) {
      expect(globalShortcutProblem(ok)).toBeNull();
    }
  });

  it('explains what is wrong with the rest', () => {
    expect(globalShortcutProblem('M')).toMatch(/take over typing/);
    expect(globalShortcutProblem('Shift+M')).toMatch(/take over typing/);
    expect(globalShortcutProblem('Hyper+M')).toMatch(/"hyper" is not a modifier/);
    expect(globalShortcutProblem('Ctrl+Banana')).toMatch(/"Banana" is not a key/);
    expect(globalShortcutProblem('Ctrl++')).toMatch(/Modifier\+Key/);
    expect(globalShortcutProblem('Ctrl+Ctrl+M')).toMatch(/repeated/);
    expect(globalShortcutProblem(' Ctrl+M')).toMatch(/Modifier\+Key/);
  });
});
