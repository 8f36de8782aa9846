import {
  desktopCapturer,
  shell,
  systemPreferences,
  webContents,
  type Session,
  type WebContents,
} from 'electron';
import type { Result } from '../../shared/desktopApi.ts';
import { isTrustedSender } from '../ipc/registerIpc.ts';
import { fail, okVoid } from '../result.ts';
import { isPermissionGranted } from '../security/permissions.ts';
import {
  screenRecordingPermissionFrom,
  type PickerRenderer,
  type ScreenPickerDeps,
  type ScreenPickerService,
} from '../services/screenPicker.service.ts';
import { sendEvent } from './windows.adapter.ts';

export function installPermissionHandlers(session: Session, trustedWebContents: ReadonlySet<number>): void {
  session.setPermissionRequestHandler((contents, permission, callback, details) => {
    callback(
      isPermissionGranted({
        kind: 'request',
        permission,
        requestingUrl: details.requestingUrl,
        isMainFrame: details.isMainFrame,
        fromAppWindow: trustedWebContents.has(contents.id),
        mediaTypes: 'mediaTypes' in details ? (details.mediaTypes ?? []) : [],
      }),
    );
  });
  session.setPermissionCheckHandler((contents, permission, requestingOrigin, details) =>
    isPermissionGranted({
      kind: 'check',
      permission,
      requestingUrl: details.requestingUrl ?? requestingOrigin,
      isMainFrame: details.isMainFrame,
      fromAppWindow: contents !== null && trustedWebContents.has(contents.id),
    }),
  );
}

/** The Electron side of the screen picker's ports. */
export function screenCaptureDeps(): Pick<ScreenPickerDeps, 'getSources' | 'screenRecordingPermission'> {
  return {
    getSources: (query) => desktopCapturer.getSources(query),
    screenRecordingPermission: () =>
      screenRecordingPermissionFrom(process.platform, () => systemPreferences.getMediaAccessStatus('screen')),
  };
}

const MAC_SCREEN_RECORDING_SETTINGS =
  'x-apple.systempreferences:com.apple.preference.security?Privacy_ScreenCapture';

/** macOS: System Settings at Privacy & Security > Screen Recording, where the user allows the app. */
export async function openScreenRecordingSettings(): Promise<Result<undefined>> {
  if (process.platform !== 'darwin') return fail('unsupported', 'Only macOS has this setting.');
  await shell.openExternal(MAC_SCREEN_RECORDING_SETTINGS);
  return okVoid;
}

function pickerRenderer(contents: WebContents): PickerRenderer {
  return { id: contents.id, send: (channel, payload) => sendEvent(contents, channel, payload) };
}

/**
 * Routes getDisplayMedia to the picker. Only the app's own main frame may capture; a request from anywhere
 * else is denied before any source is listed. The macOS system picker is not used: the app's picker is the
 * UX, and under Wayland the service lets the portal answer instead.
 */
export function installDisplayMediaHandler(
  session: Session,
  picker: ScreenPickerService,
  trustedWebContents: ReadonlySet<number>,
): void {
  session.setDisplayMediaRequestHandler(
    (request, callback) => {
      const frame = request.frame;
      const contents = frame ? webContents.fromFrame(frame) : undefined;
      if (
        !frame ||
        !contents ||
        !isTrustedSender({ sender: contents, senderFrame: frame }, trustedWebContents)
      ) {
        callback(null);
        return;
      }
      void picker.handleRequest(
        { renderer: pickerRenderer(contents), audioRequested: request.audioRequested },
        callback,
      );
    },
    { useSystemPicker: false },
  );
}
