/**
 * What each IPC channel does, over the main process's services. Payloads arrive parsed (registerIpc.ts);
 * handlers answer Results and keep the tray/badge in step with every change to the history.
 */
import type { Result } from '../../shared/desktopApi.ts';
import { ServerUrl } from '../../shared/serverUrl.ts';
import { decodeHistoryCursor, type CallHistoryRepository } from '../db/callHistory.repo.ts';
import { fail, ok, okVoid } from '../result.ts';
import type { CallAlertsService } from '../services/callAlerts.service.ts';
import type { RecordingSaveService } from '../services/recordingSave.service.ts';
import type { ScreenPickerService } from '../services/screenPicker.service.ts';
import type { SessionStore } from '../services/sessionStore.service.ts';
import type { SettingsService } from '../services/settings.service.ts';
import type { SharingIndicatorService } from '../services/sharingIndicator.service.ts';
import type { IpcHandlers } from './registerIpc.ts';

export interface DesktopHandlerDeps {
  picker: Pick<ScreenPickerService, 'choose'>;
  sharing: Pick<SharingIndicatorService, 'captureEnded'>;
  history: CallHistoryRepository;
  alerts: Pick<CallAlertsService, 'historyChanged' | 'seen' | 'setPresence' | 'missedCall'>;
  settings: Pick<SettingsService, 'get' | 'update'>;
  sessions: Pick<SessionStore, 'load' | 'save' | 'clear'>;
  recordings: Pick<RecordingSaveService, 'save'>;
  openScreenRecordingSettings(): Promise<Result<undefined>>;
  /** The call state went back to idle: deferred work (the update prompt) may run. */
  onIdle(): void;
}

export function createDesktopHandlers(deps: DesktopHandlerDeps): IpcHandlers {
  const { history, alerts, settings, sessions } = deps;
  return {
    'desktop:screen-picker:choose': (choice, sender) => deps.picker.choose(choice, sender.webContentsId),
    'desktop:screen-picker:open-permission-settings': () => deps.openScreenRecordingSettings(),
    'desktop:screen-share:ended': (_none, sender) => {
      deps.sharing.captureEnded(sender.webContentsId);
      return okVoid;
    },
    'desktop:history:list': (query) => {
      const cursor = query.cursor === null ? null : decodeHistoryCursor(query.cursor);
      if (query.cursor !== null && cursor === null) {
        return fail('bad_request', 'cursor: not a cursor from a previous page');
      }
      return ok(history.list({ ...query, cursor }));
    },
    'desktop:history:record': (entry) => {
      history.record(entry);
      alerts.historyChanged();
      return okVoid;
    },
    'desktop:history:merge': (entries) => {
      const result = history.merge(entries);
      alerts.historyChanged();
      return ok(result);
    },
    'desktop:history:mark-seen': (callIds) => {
      history.markSeen(callIds);
      alerts.seen(callIds);
      return okVoid;
    },
    'desktop:history:delete': (callId) => {
      // Deleting a call that is not there is not an error: the user's intent is already met.
      history.delete(callId);
      alerts.seen([callId]);
      return okVoid;
    },
    'desktop:history:clear': () => {
      history.clear();
      alerts.seen('all');
      return okVoid;
    },
    'desktop:settings:get': () => ok(settings.get()),
    'desktop:settings:update': (patch) => settings.update(patch),
    'desktop:session:get': async () => ok(await sessions.load(settings.get().serverUrl)),
    'desktop:session:save': async (session) => {
      // A token is only ever kept for the server the app is configured for (the one its CSP allows).
      const server = ServerUrl.safeParse(session.serverUrl);
      if (!server.success || server.data !== settings.get().serverUrl)
        return fail('bad_request', 'serverUrl: not the configured server');
      return ok(await sessions.save({ ...session, serverUrl: server.data }));
    },
    'desktop:session:clear': async () => {
      await sessions.clear();
      return okVoid;
    },
    'desktop:presence:set': (presence) => {
      alerts.setPresence(presence);
      if (presence.state === 'idle') deps.onIdle();
      return okVoid;
    },
    'desktop:missed-call:notify': (notice) => {
      alerts.missedCall(notice);
      return okVoid;
    },
    'desktop:recording:save': (recordingUrl) => deps.recordings.save(recordingUrl),
  };
}
