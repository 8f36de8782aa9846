/**
 * The preload: exposes exactly the DesktopApi to the renderer as `window.desktop`, each method bound to one
 * channel of the IPC contract. There is no generic invoke/send/on: the page can reach only these channels,
 * and listeners get the payload alone (never the IpcRendererEvent, which would hand the page `sender`).
 *
 * Sandboxed preloads can require only a few Electron modules, so this file is bundled to one CJS file and
 * imports nothing at runtime but electron (contract types are erased).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { DesktopApi, Result, Unsubscribe } from '../shared/desktopApi.ts';
import type { EventChannel, EventPayload, InvokeChannel, InvokeRequest, InvokeValue } from '../shared/ipc.ts';

async function invoke<C extends InvokeChannel>(
  channel: C,
  payload?: InvokeRequest<C>,
): Promise<Result<InvokeValue<C>>> {
  try {
    return (await ipcRenderer.invoke(channel, ...(payload === undefined ? [] : [payload]))) as Result<
      InvokeValue<C>
    >;
  } catch {
    // Only when main has no handler (shutting down); never leak the Error object into the page.
    return { ok: false, error: { code: 'unavailable', message: 'The desktop app is not responding.' } };
  }
}

function subscribe<C extends EventChannel>(
  channel: C,
  listener: (payload: EventPayload<C>) => void,
): Unsubscribe {
  const forward = (_event: IpcRendererEvent, payload: EventPayload<C>) => listener(payload);
  ipcRenderer.on(channel, forward);
  return () => {
    ipcRenderer.removeListener(channel, forward);
  };
}

const api: DesktopApi = {
  platform: 'electron',
  onScreenPickerRequest: (listener) => subscribe('desktop:screen-picker:request', listener),
  onScreenPickerSources: (listener) => subscribe('desktop:screen-picker:sources', listener),
  onScreenPickerClosed: (listener) =>
    subscribe('desktop:screen-picker:closed', ({ requestId }) => listener(requestId)),
  chooseScreenSource: (choice) => invoke('desktop:screen-picker:choose', choice),
  openScreenRecordingSettings: () => invoke('desktop:screen-picker:open-permission-settings'),
  reportScreenShareEnded: () => invoke('desktop:screen-share:ended'),
  onScreenShareStopRequested: (listener) => subscribe('desktop:screen-share:stop', () => listener()),

  listHistory: (query) => invoke('desktop:history:list', query),
  recordCall: (entry) => invoke('desktop:history:record', entry),
  mergeHistory: (entries) => invoke('desktop:history:merge', entries),
  markHistorySeen: (callIds) => invoke('desktop:history:mark-seen', callIds),
  deleteHistoryEntry: (callId) => invoke('desktop:history:delete', callId),
  clearHistory: () => invoke('desktop:history:clear'),

  getSettings: () => invoke('desktop:settings:get'),
  updateSettings: (patch) => invoke('desktop:settings:update', patch),
  onSettingsChanged: (listener) => subscribe('desktop:settings:changed', listener),

  loadSession: () => invoke('desktop:session:get'),
  saveSession: (session) => invoke('desktop:session:save', session),
  clearSession: () => invoke('desktop:session:clear'),

  setCallPresence: (presence) => invoke('desktop:presence:set', presence),
  notifyMissedCall: (entry) => invoke('desktop:missed-call:notify', entry),
  onShellAction: (listener) => subscribe('desktop:shell-action', listener),

  saveRecording: (recordingUrl) => invoke('desktop:recording:save', recordingUrl),
};

contextBridge.exposeInMainWorld('desktop', api);
