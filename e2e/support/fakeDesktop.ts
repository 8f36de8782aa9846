/**
 * A stand-in for Electron's preload (window.desktop) in plain browser JavaScript, for renderer specs on the
 * desktop platform: it feeds what main would send (picker requests, settings) and records what the
 * renderer reports (choices, presence, history, settings changes, the session). The real preload and main
 * process are covered by the Electron spec and the main-process tests.
 */
import type {
  CallPresence,
  HistoryEntry,
  ScreenPickerChoice,
  ScreenPickerRequest,
  Settings,
  StoredSession,
} from '../../src/shared/desktopApi.ts';

export interface FakeDesktopOptions {
  serverUrl: string | null;
  /** Settings main would report (e.g. a policy), over the defaults. */
  settings?: Partial<Settings>;
  /** Main could not persist the session (no keyring): the reason it gives. */
  notPersistedReason?: string;
}

export interface FakeDesktopProbe {
  emitPickerRequest(request: ScreenPickerRequest): void;
  emitPickerClosed(requestId: string): void;
  choices: ScreenPickerChoice[];
  presences: CallPresence[];
  recorded: HistoryEntry[];
  /** What main would hold: the session the renderer saved. */
  session: StoredSession | null;
  /** Every settings patch the renderer sent. */
  settingsPatches: object[];
}

declare global {
  interface Window {
    __fakeDesktop?: FakeDesktopProbe;
  }
}

/** Pass to page.addInitScript (it runs in the page, so it uses nothing from outside itself). */
export function installFakeDesktop(options: FakeDesktopOptions) {
  const ok = <T>(value: T) => Promise.resolve({ ok: true as const, value });
  const pickerListeners: ((r: ScreenPickerRequest) => void)[] = [];
  const closedListeners: ((requestId: string) => void)[] = [];
  let settings = {
    serverUrl: options.serverUrl,
    serverUrlLocked: false,
    preferredMicrophoneId: null,
    preferredCameraId: null,
    preferredSpeakerId: null,
    ringtone: 'none' as const,
    notifyMissedCalls: true,
    doNotDisturb: false,
    launchAtLogin: false,
    muteShortcut: 'CommandOrControl+Shift+M',
    ...options.settings,
  };
  const probe: FakeDesktopProbe = {
    emitPickerRequest: (request) => pickerListeners.forEach((listener) => listener(request)),
    emitPickerClosed: (requestId) => closedListeners.forEach((listener) => listener(requestId)),
    choices: [],
    presences: [],
    recorded: [],
    session: null,
    settingsPatches: [],
  };
  window.__fakeDesktop = probe;
  Object.assign(window, {
    desktop: {
      platform: 'electron',
      onScreenPickerRequest: (listener: (r: ScreenPickerRequest) => void) => {
        pickerListeners.push(listener);
        return () => {};
      },
      onScreenPickerSources: () => () => {},
      onScreenPickerClosed: (listener: (requestId: string) => void) => {
        closedListeners.push(listener);
        return () => {};
      },
      chooseScreenSource: (choice: ScreenPickerChoice) => {
        probe.choices.push(choice);
        return ok(undefined);
      },
      listHistory: () => ok({ entries: probe.recorded, nextCursor: null }),
      recordCall: (entry: HistoryEntry) => {
        probe.recorded.push(entry);
        return ok(undefined);
      },
      mergeHistory: (entries: HistoryEntry[]) => ok({ added: entries.length }),
      markHistorySeen: () => ok(undefined),
      deleteHistoryEntry: () => ok(undefined),
      clearHistory: () => ok(undefined),
      getSettings: () => ok(settings),
      updateSettings: (patch: object) => {
        probe.settingsPatches.push(patch);
        settings = { ...settings, ...patch };
        return ok(settings);
      },
      setCallPresence: (presence: CallPresence) => {
        probe.presences.push(presence);
        return ok(undefined);
      },
      notifyMissedCall: () => ok(undefined),
      onShellAction: () => () => {},
      loadSession: () => ok(probe.session),
      saveSession: (session: StoredSession) => {
        probe.session = session;
        return ok(
          options.notPersistedReason
            ? { persisted: false, reason: options.notPersistedReason }
            : { persisted: true },
        );
      },
      clearSession: () => {
        probe.session = null;
        return ok(undefined);
      },
    },
  });
}
