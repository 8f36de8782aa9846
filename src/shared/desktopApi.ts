/**
 * What the renderer may ask of the platform it runs on. In Electron the preload exposes an implementation
 * through contextBridge (window.desktop), backed by the IPC contract in ipc.ts; in a browser the renderer's
 * own web implementation provides the same interface (getDisplayMedia, the server's history, the
 * Notification API, localStorage).
 *
 * Pure TypeScript + zod: no DOM, no Node, no Electron.
 */
import { z } from 'zod';
import { CallType, RecordingState } from './protocol.ts';
import { ServerUrl } from './serverUrl.ts';

/** IPC and platform results: never throw across the bridge. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

export const DesktopSource = z.object({
  id: z.string().min(1).max(200),
  name: z.string().max(500),
  kind: z.enum(['screen', 'window']),
  /** PNG data URL of the thumbnail (blank thumbnails are dropped before they get here). */
  thumbnailDataUrl: z.string().max(2_000_000),
  /** PNG data URL of the owning app's icon, windows only. */
  appIconDataUrl: z.string().max(500_000).nullable(),
});
export type DesktopSource = z.infer<typeof DesktopSource>;

/** Main asks the renderer's picker to choose a source for a parked getDisplayMedia request. */
export const ScreenPickerRequest = z.object({
  requestId: z.string().min(1).max(64),
  sources: z.array(DesktopSource),
  /** Whether system audio can be shared with a screen on this OS (Windows loopback). */
  systemAudioAvailable: z.boolean(),
  /**
   * macOS only (absent elsewhere): 'denied' means the OS withholds screen recording from CallBridge, so
   * `sources` is empty; the picker should say so and offer `openScreenRecordingSettings()`.
   */
  screenRecordingPermission: z.enum(['granted', 'denied']).optional(),
});
export type ScreenPickerRequest = z.infer<typeof ScreenPickerRequest>;

export const ScreenPickerChoice = z.object({
  requestId: z.string().min(1).max(64),
  /** null cancels the share. */
  sourceId: z.string().min(1).max(200).nullable(),
  withSystemAudio: z.boolean().default(false),
});
export type ScreenPickerChoice = z.infer<typeof ScreenPickerChoice>;

export const HistoryDirection = z.enum(['incoming', 'outgoing']);
export const HistoryFinalStatus = z.enum(['answered', 'missed', 'rejected', 'failed']);
export type HistoryFinalStatus = z.infer<typeof HistoryFinalStatus>;

/** The server's address of a call's recording (GET, members of the conversation only, with the session's token). */
export const RECORDING_PATH = /^\/api\/calls\/[0-9a-f-]{36}\/recording$/u;

/** A call's recording as the server last reported it. */
export const HistoryRecording = z.object({
  state: RecordingState,
  /** The download once the file is ready, else null. */
  url: z.string().regex(RECORDING_PATH).nullable(),
  /** Why it stopped or failed on its own, for people to read. */
  message: z.string().max(500).nullable(),
});
export type HistoryRecording = z.infer<typeof HistoryRecording>;

/** One call in the local history (the desktop keeps its own SQLite copy, merged with the server's). */
export const HistoryEntry = z.object({
  callId: z.uuid(),
  direction: HistoryDirection,
  type: CallType,
  participants: z.array(z.object({ userId: z.uuid(), name: z.string().max(200) })).max(20),
  startedAt: z.iso.datetime({ offset: true }),
  endedAt: z.iso.datetime({ offset: true }).nullable(),
  durationSeconds: z.number().int().nonnegative().nullable(),
  status: HistoryFinalStatus,
  unseen: z.boolean(),
  /**
   * null: the call was not recorded. Absent: not known to whoever wrote the entry (a call recorded when it
   * ends locally, before the server has processed anything), so what the history already knows stays.
   */
  recording: HistoryRecording.nullable().optional(),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

export const HistoryQuery = z.object({
  cursor: z.string().max(200).nullable().default(null),
  limit: z.number().int().min(1).max(200).default(50),
  search: z.string().max(100).default(''),
  missedOnly: z.boolean().default(false),
});
export type HistoryQuery = z.infer<typeof HistoryQuery>;
export type HistoryPage = { entries: HistoryEntry[]; nextCursor: string | null };

/** What the tray, notifications and badge reflect; the renderer reports it as the call state changes. */
export const CallPresence = z.discriminatedUnion('state', [
  z.object({ state: z.literal('idle') }),
  z.object({
    state: z.literal('ringing'),
    callId: z.uuid(),
    callerName: z.string().max(200),
    type: CallType,
  }),
  z.object({ state: z.literal('in-call'), callId: z.uuid(), title: z.string().max(200) }),
]);
export type CallPresence = z.infer<typeof CallPresence>;

/** Actions taken outside the renderer (tray menu, notification buttons, ringing window, global shortcut). */
export const ShellAction = z.discriminatedUnion('type', [
  z.object({ type: z.literal('answer'), callId: z.uuid(), withVideo: z.boolean() }),
  z.object({ type: z.literal('decline'), callId: z.uuid() }),
  z.object({ type: z.literal('call-back'), callId: z.uuid() }),
  z.object({ type: z.literal('toggle-mute') }),
  z.object({ type: z.literal('open-history') }),
]);
export type ShellAction = z.infer<typeof ShellAction>;

export const Settings = z.object({
  serverUrl: z.string().url().nullable(),
  /** True when an admin policy file fixed serverUrl; the UI then shows it read-only. */
  serverUrlLocked: z.boolean(),
  preferredMicrophoneId: z.string().max(500).nullable(),
  preferredCameraId: z.string().max(500).nullable(),
  preferredSpeakerId: z.string().max(500).nullable(),
  ringtone: z.enum(['classic', 'soft', 'none']),
  notifyMissedCalls: z.boolean(),
  doNotDisturb: z.boolean(),
  launchAtLogin: z.boolean(),
  muteShortcut: z.string().max(100),
  /** Desktop only: hides the app's own windows from screen captures (other apps' and our own shares). */
  hideWindowsFromCapture: z.boolean().optional(),
  /**
   * Desktop only, present when an administrator's policy exists: which settings it fixes, or 'unreadable'
   * when the policy exists but could not be read, in which case every setting is locked (fail closed).
   */
  policy: z
    .object({
      status: z.enum(['applied', 'unreadable']),
      lockedKeys: z.array(z.string().max(50)).max(50),
    })
    .optional(),
});
export type Settings = z.infer<typeof Settings>;
export type PolicyStatus = NonNullable<Settings['policy']>;

export const DEFAULT_MUTE_SHORTCUT = 'CommandOrControl+Shift+M';

/**
 * A fresh install's preferences on every platform. Where the server is (and whether the user may change it)
 * and the desktop-only settings are each platform's own.
 */
export const DEFAULT_SETTINGS: Readonly<
  Omit<Settings, 'serverUrl' | 'serverUrlLocked' | 'hideWindowsFromCapture' | 'policy'>
> = {
  preferredMicrophoneId: null,
  preferredCameraId: null,
  preferredSpeakerId: null,
  ringtone: 'classic',
  notifyMissedCalls: true,
  doNotDisturb: false,
  launchAtLogin: false,
  muteShortcut: DEFAULT_MUTE_SHORTCUT,
};
/** What the user may change: every setting but the read-only ones, the server parsed as ServerUrl. */
export const SettingsPatch = Settings.omit({ serverUrlLocked: true, policy: true })
  .extend({ serverUrl: ServerUrl.nullable() })
  .partial();
export type SettingsPatch = z.infer<typeof SettingsPatch>;

/**
 * The signed-in session: which server, and the token it issued. On the desktop it lives in the main
 * process, encrypted at rest; the web client keeps it in the browser's localStorage (see webDesktopApi.ts).
 */
export const StoredSession = z.object({
  serverUrl: z.url().max(2048),
  token: z.string().min(1).max(4096),
});
export type StoredSession = z.infer<typeof StoredSession>;

/** Whether a saved session survives a restart; when it does not, `reason` is the sentence to show. */
export const SessionPersistence = z.union([
  z.object({ persisted: z.literal(true) }),
  z.object({ persisted: z.literal(false), reason: z.string().max(300) }),
]);
export type SessionPersistence = z.infer<typeof SessionPersistence>;

/** What became of "Save recording": saved under the name the user chose, or cancelled in the dialog. */
export const RecordingSaveOutcome = z.discriminatedUnion('saved', [
  z.object({ saved: z.literal(true), fileName: z.string().max(1000) }),
  z.object({ saved: z.literal(false) }),
]);
export type RecordingSaveOutcome = z.infer<typeof RecordingSaveOutcome>;

export type Unsubscribe = () => void;

export interface DesktopApi {
  readonly platform: 'electron' | 'web';
  /** Subscribes to the main process's picker requests (Electron); the web platform never calls back. */
  onScreenPickerRequest(listener: (request: ScreenPickerRequest) => void): Unsubscribe;
  /** Fresh source lists while a picker is open (windows come and go). */
  onScreenPickerSources(listener: (request: ScreenPickerRequest) => void): Unsubscribe;
  chooseScreenSource(choice: ScreenPickerChoice): Promise<Result<void>>;

  listHistory(query: Partial<HistoryQuery>): Promise<Result<HistoryPage>>;
  recordCall(entry: HistoryEntry): Promise<Result<void>>;
  mergeHistory(entries: HistoryEntry[]): Promise<Result<{ added: number }>>;
  markHistorySeen(callIds: string[] | 'all'): Promise<Result<void>>;
  deleteHistoryEntry(callId: string): Promise<Result<void>>;
  clearHistory(): Promise<Result<void>>;

  getSettings(): Promise<Result<Settings>>;
  updateSettings(patch: SettingsPatch): Promise<Result<Settings>>;

  /** The session to restore at start, if any (only ever one for the configured server). */
  loadSession(): Promise<Result<StoredSession | null>>;
  saveSession(session: StoredSession): Promise<Result<SessionPersistence>>;
  clearSession(): Promise<Result<void>>;

  /** Drives tray icon, ringing window/notification, badge and missed-call notifications. */
  setCallPresence(presence: CallPresence): Promise<Result<void>>;
  /** Reports a missed call (notification, badge, frame flash) unless notifications are off. */
  notifyMissedCall(entry: { callId: string; callerName: string; type: CallType }): Promise<Result<void>>;
  onShellAction(listener: (action: ShellAction) => void): Unsubscribe;

  // Desktop-only extras: optional so that the web implementation need not provide them.
  /** A parked picker request ended without the renderer's choice (timeout, window closed): close the picker. */
  onScreenPickerClosed?(listener: (requestId: string) => void): Unsubscribe;
  /** macOS: opens System Settings at Privacy & Security > Screen Recording. */
  openScreenRecordingSettings?(): Promise<Result<void>>;
  /** Settings changed outside the renderer (tray: Do Not Disturb, launch at login). */
  onSettingsChanged?(listener: (settings: Settings) => void): Unsubscribe;
  /** One screen capture this page got ended (its last track stopped), so main's sharing indicator can go. */
  reportScreenShareEnded?(): Promise<Result<void>>;
  /** Stop was clicked in main's sharing indicator or tray: end the screen share. */
  onScreenShareStopRequested?(listener: () => void): Unsubscribe;
  /**
   * Asks where to save a recording (HistoryRecording.url) in a native dialog, then downloads it there with
   * the session's token. The web client saves the file it has already downloaded instead.
   */
  saveRecording?(recordingUrl: string): Promise<Result<RecordingSaveOutcome>>;
}
