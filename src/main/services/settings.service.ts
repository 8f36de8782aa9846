/**
 * The user's settings, persisted by a key-value store (electron-store in the app), overlaid with the
 * administrator's policy. Stored values are parsed field by field on every start: a field that does not
 * parse (hand-edited file, a value from an older version) falls back to its default and is logged, instead of
 * the whole file being discarded or the app failing to start.
 */
import { z } from 'zod';
import { DEFAULT_SETTINGS, Settings, type Result, type SettingsPatch } from '../../shared/desktopApi.ts';
import type { Logger } from '../log.ts';
import { fail, ok, okVoid } from '../result.ts';
import { globalShortcutProblem } from './accelerator.ts';
import { HttpUrl, type AdminPolicy } from './adminPolicy.ts';

/** The parts of electron-store the service uses. */
export interface KeyValueStore {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

/** A fresh install's settings. */
export function defaultSettings(serverUrl: string | null): Settings {
  return { serverUrl, serverUrlLocked: false, ...DEFAULT_SETTINGS, hideWindowsFromCapture: false };
}

type StoredSettings = Omit<Settings, 'serverUrlLocked'>;
const StoredSettings = Settings.omit({ serverUrlLocked: true });
type SettingKey = keyof StoredSettings;

export const WindowBounds = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().min(200).max(100_000),
  height: z.number().int().min(200).max(100_000),
  maximized: z.boolean(),
});
export type WindowBounds = z.infer<typeof WindowBounds>;

const SETTINGS_KEY = 'settings';
const WINDOW_BOUNDS_KEY = 'windowBounds';

/** A check that may refuse a change before it is saved (e.g. a shortcut another app already holds). */
export type SettingsGuard = (next: Settings, previous: Settings) => Result<undefined>;
export type SettingsListener = (settings: Settings, previous: Settings) => void;

export interface SettingsServiceDeps {
  store: KeyValueStore;
  policy: AdminPolicy | null;
  /** The server to use until the user or the policy sets one (e.g. `npm start`'s local backend). */
  defaultServerUrl: string | null;
  log: Logger;
}

export class SettingsService {
  readonly #deps: SettingsServiceDeps;
  readonly #defaults: StoredSettings;
  #stored: Partial<StoredSettings>;
  readonly #guards: SettingsGuard[] = [];
  readonly #listeners: SettingsListener[] = [];

  constructor(deps: SettingsServiceDeps) {
    this.#deps = deps;
    const { serverUrlLocked: _unlocked, ...defaults } = defaultSettings(deps.defaultServerUrl);
    this.#defaults = defaults;
    this.#stored = this.#readStored();
  }

  get(): Settings {
    const policy = this.#deps.policy;
    return {
      ...this.#defaults,
      ...this.#stored,
      ...policy?.lockedSettings,
      ...(policy?.serverUrl ? { serverUrl: policy.serverUrl } : {}),
      serverUrlLocked: policy?.serverUrl !== undefined,
    };
  }

  /** Keys the administrator's policy fixes. */
  lockedKeys(): ReadonlySet<string> {
    const policy = this.#deps.policy;
    const keys = new Set(Object.keys(policy?.lockedSettings ?? {}));
    if (policy?.serverUrl !== undefined) keys.add('serverUrl');
    return keys;
  }

  addGuard(guard: SettingsGuard): void {
    this.#guards.push(guard);
  }

  onChange(listener: SettingsListener): void {
    this.#listeners.push(listener);
  }

  /** Applies a validated patch: refused as a whole (nothing changed) if any field is locked or invalid. */
  update(patch: SettingsPatch): Result<Settings> {
    const locked = this.lockedKeys();
    const lockedKey = Object.keys(patch).find((key) => locked.has(key));
    if (lockedKey !== undefined) return fail('locked', `${lockedKey}: set by your administrator`);
    const problem = this.#fieldProblem(patch);
    if (problem) return fail('bad_request', problem);

    const previous = this.get();
    const stored = { ...this.#stored, ...patch };
    const next: Settings = { ...previous, ...patch };
    for (const guard of this.#guards) {
      const verdict = guard(next, previous);
      if (!verdict.ok) return verdict;
    }
    this.#deps.store.set(SETTINGS_KEY, stored);
    this.#stored = stored;
    const saved = this.get();
    for (const listener of this.#listeners) listener(saved, previous);
    return ok(saved);
  }

  windowBounds(): WindowBounds | null {
    const parsed = WindowBounds.safeParse(this.#deps.store.get(WINDOW_BOUNDS_KEY));
    return parsed.success ? parsed.data : null;
  }

  saveWindowBounds(bounds: WindowBounds): Result<undefined> {
    const parsed = WindowBounds.safeParse(bounds);
    if (!parsed.success) return fail('bad_request', 'window bounds out of range');
    this.#deps.store.set(WINDOW_BOUNDS_KEY, parsed.data);
    return okVoid;
  }

  /** Checks the schema cannot express: URL scheme and a usable global shortcut. */
  #fieldProblem(patch: SettingsPatch): string | null {
    if (patch.serverUrl) {
      const url = HttpUrl.safeParse(patch.serverUrl);
      if (!url.success) return 'serverUrl: must be an http:// or https:// URL';
    }
    if (patch.muteShortcut) {
      const problem = globalShortcutProblem(patch.muteShortcut);
      if (problem) return `muteShortcut: ${problem}`;
    }
    return null;
  }

  #readStored(): Partial<StoredSettings> {
    const raw = this.#deps.store.get(SETTINGS_KEY);
    if (raw === undefined) return {};
    if (typeof raw !== 'object' || raw === null) {
      this.#deps.log.warn('settings: stored settings unreadable; using defaults');
      return {};
    }
    const stored: Partial<Record<SettingKey, unknown>> = {};
    for (const key of Object.keys(StoredSettings.shape) as SettingKey[]) {
      if (!Object.hasOwn(raw, key)) continue;
      const value = (raw as Record<string, unknown>)[key];
      const parsed = StoredSettings.shape[key].safeParse(value);
      const usable = parsed.success && this.#fieldProblem({ [key]: parsed.data }) === null;
      if (usable) stored[key] = parsed.data;
      else this.#deps.log.warn('settings: stored value invalid; using the default', { setting: key });
    }
    return stored as Partial<StoredSettings>;
  }
}
