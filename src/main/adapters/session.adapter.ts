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
import type { Logger } from '../log.ts';
import { fail, okVoid } from '../result.ts';
import type { CaptureGate } from '../security/captureGate.ts';
import { displayMediaRefusal } from '../security/displayMedia.ts';
import { permissionDecision } from '../security/permissions.ts';
import {
  screenRecordingPermissionFrom,
  type PickerRenderer,
  type ScreenPickerDeps,
  type ScreenPickerService,
} from '../services/screenPicker.service.ts';
import { sendEvent } from './windows.adapter.ts';

export function installPermissionHandlers(
  session: Session,
  trustedWebContents: ReadonlySet<number>,
  captureGate: CaptureGate,
): void {
  session.setPermissionRequestHandler((contents, permission, callback, details) => {
    const decision = permissionDecision({
      kind: 'request',
      permission,
      requestingUrl: details.requestingUrl,
      isMainFrame: details.isMainFrame,
      fromAppWindow: trustedWebContents.has(contents.id),
      mediaTypes: 'mediaTypes' in details ? (details.mediaTypes ?? []) : [],
    });
    // Before the callback: Electron may run the display-media handler from inside it.
    if (decision === 'capture') captureGate.permissionGranted(contents.id);
    callback(decision !== 'deny');
  });
  session.setPermissionCheckHandler(
    (contents, permission, requestingOrigin, details) =>
      permissionDecision({
        kind: 'check',
        permission,
        requestingUrl: details.requestingUrl ?? requestingOrigin,
        isMainFrame: details.isMainFrame,
        fromAppWindow: contents !== null && trustedWebContents.has(contents.id),
      }) === 'grant',
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
 * Routes getDisplayMedia to the picker. Only a click in the app's own main frame may capture
 * (displayMedia.ts); any other request is denied before a source is listed. The macOS system picker is not
 * used: the app's picker is the UX, and under Wayland the service lets the portal answer instead.
 */
export function installDisplayMediaHandler(
  session: Session,
  picker: ScreenPickerService,
  trustedWebContents: ReadonlySet<number>,
  captureGate: CaptureGate,
  log: Logger,
): void {
  session.setDisplayMediaRequestHandler(
    (request, callback) => {
      const frame = request.frame;
      const contents = frame ? webContents.fromFrame(frame) : undefined;
      if (contents) captureGate.displayMediaRequested(contents.id);
      const refusal = displayMediaRefusal({
        fromAppMainFrame:
          !!frame &&
          !!contents &&
          isTrustedSender({ sender: contents, senderFrame: frame }, trustedWebContents),
        userGesture: request.userGesture,
        videoRequested: request.videoRequested,
      });
      if (refusal || !contents) {
        log.warn('screen capture denied', { reason: refusal ?? 'no frame' });
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
