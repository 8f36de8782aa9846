/**
 * The global shortcut that toggles the microphone while another app has focus (default
 * CommandOrControl+Shift+M, configurable, empty = off). Pressing it sends the renderer a `toggle-mute`
 * ShellAction. A new shortcut is bound before the setting is saved, so one that another app already holds
 * is refused with a message instead of being saved and silently doing nothing.
 */
import type { Settings, ShellAction } from '../../shared/desktopApi.ts';
import { errorMessage, type Logger } from '../log.ts';
import { fail, okVoid } from '../result.ts';
import type { SettingsGuard } from './settings.service.ts';

/** The parts of Electron's globalShortcut used. */
export interface GlobalShortcutPort {
  register(accelerator: string, callback: () => void): boolean;
  unregister(accelerator: string): void;
}

export class MuteShortcutService {
  readonly #port: GlobalShortcutPort;
  readonly #dispatch: (action: ShellAction) => void;
  readonly #log: Logger;
  #bound = '';

  constructor(port: GlobalShortcutPort, dispatch: (action: ShellAction) => void, log: Logger) {
    this.#port = port;
    this.#dispatch = dispatch;
    this.#log = log;
  }

  get bound(): string {
    return this.#bound;
  }

  /** Binds the shortcut from settings at start; a shortcut taken meanwhile by another app is logged. */
  start(settings: Settings): void {
    if (!this.#bind(settings.muteShortcut)) {
      this.#log.warn('mute shortcut unavailable (held by another app?)', { shortcut: settings.muteShortcut });
    }
  }

  /** For SettingsService.addGuard: rebinds when muteShortcut changes, refusing a shortcut that cannot bind. */
  readonly guard: SettingsGuard = (next, previous) => {
    if (next.muteShortcut === previous.muteShortcut) return okVoid;
    if (this.#bind(next.muteShortcut)) return okVoid;
    this.#bind(previous.muteShortcut);
    return fail(
      'shortcut_unavailable',
      `muteShortcut: ${next.muteShortcut} is already used by another application`,
    );
  };

  stop(): void {
    this.#bind('');
  }

  #bind(accelerator: string): boolean {
    if (this.#bound) this.#port.unregister(this.#bound);
    this.#bound = '';
    if (!accelerator) return true;
    try {
      if (!this.#port.register(accelerator, () => this.#dispatch({ type: 'toggle-mute' }))) return false;
    } catch (error) {
      this.#log.warn('mute shortcut rejected', { shortcut: accelerator, error: errorMessage(error) });
      return false;
    }
    this.#bound = accelerator;
    return true;
  }
}
