/**
 * The IPC contract between the Electron main process and the preload: every channel the renderer may
 * invoke, with the zod schema main parses its payload with and the schema of the value it answers, and every
 * event channel main sends to the renderer. The preload exposes exactly these (as the DesktopApi) and
 * nothing else; main registers exactly these and refuses everything else.
 *
 * Pure TypeScript + zod: no DOM, no Node, no Electron.
 */
import { z } from 'zod';
import { CallType } from './protocol.ts';
import {
  CallPresence,
  HistoryEntry,
  HistoryQuery,
  RECORDING_PATH,
  RecordingSaveOutcome,
  ScreenPickerChoice,
  ScreenPickerRequest,
  SessionPersistence,
  Settings,
  SettingsPatch,
  ShellAction,
  StoredSession,
} from './desktopApi.ts';

/** Every channel carries this prefix so that a stray or foreign channel is recognisable at a glance. */
export const IPC_CHANNEL_PREFIX = 'desktop:';

/** The scheme and host the renderer is served from; only its main frame may use the IPC channels. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'callbridge';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** The largest batch of server history merged in one call (the server pages by 100 at most). */
export const MAX_MERGE_BATCH = 500;

export const HistoryPageSchema = z.object({
  entries: z.array(HistoryEntry),
  nextCursor: z.string().nullable(),
});

export const MissedCallNotice = z.object({
  callId: z.uuid(),
  callerName: z.string().max(200),
  type: CallType,
});
export type MissedCallNotice = z.infer<typeof MissedCallNotice>;

export const MarkSeenRequest = z.union([z.array(z.uuid()).max(MAX_MERGE_BATCH), z.literal('all')]);

const NoPayload = z.undefined();
const NoValue = z.undefined();

/** Renderer -> main request/response channels (ipcRenderer.invoke / ipcMain.handle). */
export const invokeChannels = {
  'desktop:screen-picker:choose': { request: ScreenPickerChoice, response: NoValue },
  'desktop:screen-picker:open-permission-settings': { request: NoPayload, response: NoValue },
  'desktop:screen-share:ended': { request: NoPayload, response: NoValue },
  'desktop:history:list': { request: HistoryQuery, response: HistoryPageSchema },
  'desktop:history:record': { request: HistoryEntry, response: NoValue },
  'desktop:history:merge': {
    request: z.array(HistoryEntry).max(MAX_MERGE_BATCH),
    response: z.object({ added: z.number().int().nonnegative() }),
  },
  'desktop:history:mark-seen': { request: MarkSeenRequest, response: NoValue },
  'desktop:history:delete': { request: z.uuid(), response: NoValue },
  'desktop:history:clear': { request: NoPayload, response: NoValue },
  'desktop:settings:get': { request: NoPayload, response: Settings },
  'desktop:settings:update': { request: SettingsPatch.strict(), response: Settings },
  'desktop:session:get': { request: NoPayload, response: StoredSession.nullable() },
  'desktop:session:save': { request: StoredSession.strict(), response: SessionPersistence },
  'desktop:session:clear': { request: NoPayload, response: NoValue },
  'desktop:presence:set': { request: CallPresence, response: NoValue },
  'desktop:missed-call:notify': { request: MissedCallNotice, response: NoValue },
  'desktop:recording:save': { request: z.string().regex(RECORDING_PATH), response: RecordingSaveOutcome },
} as const satisfies Record<`desktop:${string}`, { request: z.ZodType; response: z.ZodType }>;

export type InvokeChannel = keyof typeof invokeChannels;
/** What the renderer passes (defaults not yet applied). */
export type InvokeRequest<C extends InvokeChannel> = z.input<(typeof invokeChannels)[C]['request']>;
/** What main's handler receives after parsing. */
export type InvokePayload<C extends InvokeChannel> = z.output<(typeof invokeChannels)[C]['request']>;
export type InvokeValue<C extends InvokeChannel> = z.output<(typeof invokeChannels)[C]['response']>;

export const INVOKE_CHANNELS = Object.keys(invokeChannels) as InvokeChannel[];

export function isInvokeChannel(channel: string): channel is InvokeChannel {
  return Object.hasOwn(invokeChannels, channel);
}

/** Main -> renderer event channels (webContents.send / ipcRenderer.on). */
export const eventChannels = {
  'desktop:screen-picker:request': ScreenPickerRequest,
  'desktop:screen-picker:sources': ScreenPickerRequest,
  'desktop:screen-picker:closed': z.object({ requestId: z.string() }),
  'desktop:screen-share:stop': z.object({}),
  'desktop:shell-action': ShellAction,
  'desktop:settings:changed': Settings,
} as const satisfies Record<`desktop:${string}`, z.ZodType>;

export type EventChannel = keyof typeof eventChannels;
export type EventPayload<C extends EventChannel> = z.output<(typeof eventChannels)[C]>;
