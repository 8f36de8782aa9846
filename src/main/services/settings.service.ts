/**
 * The user's settings, persisted by a key-value store (electron-store in the app), overlaid with the
 * administrator's policy. Stored values are parsed field by field on every start: a field that does not
 * parse (hand-edited file, a value from an older version, such as a cleartext http:// server) falls back to
 * its default and is logged, instead of the whole file being discarded or the app failing to start.
 *
 * A policy that exists but could not be read locks every setting at its current value (fail closed; see
 * policy/adminPolicy.ts).
 */
import { z } from 'zod';
import {
  DEFAULT_SETTINGS,
  SettingsPatch,
  type PolicyStatus,
  type Result,
  type Settings,
} from '../../shared/desktopApi.ts';
import type { Logger } from '../log.ts';
import type { PolicyState } from '../policy/adminPolicy.ts';
import { describeZodError, fail, ok, okVoid } from '../result.ts';
import { globalShortcutProblem } from './accelerator.ts';

/** The parts of electron-store the service uses. */
export interface KeyValueStore {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

/** A fresh install's settings. */
export function defaultSettings(serverUrl: string | null): Settings {
  return { serverUrl, serverUrlLocked: false, ...DEFAULT_SETTINGS, hideWindowsFromCapture: false };
}

type StoredSettings = Omit<Settings, 'serverUrlLocked' | 'policy'>;
type SettingKey = keyof StoredSettings;
/** Every setting a user can change (and a policy can lock). */
export const SETTING_KEYS = Object.keys(SettingsPatch.shape) as SettingKey[];

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
  policy: PolicyState;
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
    const state = this.#deps.policy;
    const policy = state.status === 'applied' ? state.policy : undefined;
    const locked = this.lockedKeys();
    return {
      ...this.#defaults,
      ...this.#stored,
      ...policy?.lockedSettings,
      ...(policy?.serverUrl ? { serverUrl: policy.serverUrl } : {}),
      serverUrlLocked: locked.has('serverUrl'),
      ...(state.status === 'none' ? {} : { policy: this.#policyStatus(state.status, locked) }),
    };
  }

  /** Keys the administrator's policy fixes: all of them when the policy could not be read. */
  lockedKeys(): ReadonlySet<string> {
    const state = this.#deps.policy;
    if (state.status === 'none') return new Set();
    if (state.status === 'unreadable') return new Set(SETTING_KEYS);
    const keys = new Set(Object.keys(state.policy.lockedSettings ?? {}));
    if (state.policy.serverUrl !== undefined) keys.add('serverUrl');
    return keys;
  }

  #policyStatus(status: PolicyStatus['status'], locked: ReadonlySet<string>): PolicyStatus {
    return { status, lockedKeys: SETTING_KEYS.filter((key) => locked.has(key)) };
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
    const checked = this.#checked(patch);
    if (!checked.ok) return checked;

    const previous = this.get();
    const stored = { ...this.#stored, ...checked.value };
    const next: Settings = { ...previous, ...checked.value };
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

  /**
   * The patch as the schema normalises it (a server URL without its trailing slash...), or why it is
   * refused: the schema (IPC has checked it already; callers in main have not) and what it cannot express,
   * a usable global shortcut.
   */
  #checked(patch: unknown): Result<SettingsPatch> {
    const parsed = SettingsPatch.strict().safeParse(patch);
    if (!parsed.success) return fail('bad_request', describeZodError(parsed.error));
    const shortcut = parsed.data.muteShortcut;
    const problem = shortcut ? globalShortcutProblem(shortcut) : null;
    if (problem) return fail('bad_request', `muteShortcut: ${problem}`);
    return ok(parsed.data);
  }

  #readStored(): Partial<StoredSettings> {
    const raw = this.#deps.store.get(SETTINGS_KEY);
    if (raw === undefined) return {};
    if (typeof raw !== 'object' || raw === null) {
      this.#deps.log.warn('settings: stored settings unreadable; using defaults');
      return {};
    }
    const stored: Partial<Record<SettingKey, unknown>> = {};
    for (const key of SETTING_KEYS) {
      if (!Object.hasOwn(raw, key)) continue;
      const checked = this.#checked({ [key]: (raw as Record<string, unknown>)[key] });
      if (checked.ok && checked.value[key] !== undefined) stored[key] = checked.value[key];
      else this.#deps.log.warn('settings: stored value invalid; using the default', { setting: key });
    }
    return stored as Partial<StoredSettings>;
  }
}
