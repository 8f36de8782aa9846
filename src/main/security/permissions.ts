/**
 * Which web permissions the app's pages get. Camera and microphone (and choosing the speaker, for the
 * preferred-speaker setting) only for the app's own main frame; fullscreen so a video tile can fill the
 * screen. Everything else (notifications, geolocation, clipboard, USB, MIDI...) is denied; the app's
 * notifications come from the main process.
 *
 * Screen capture is the delicate one. Electron asks this handler before every screen capture, and in the
 * same shape whether the page called getDisplayMedia (which then goes to the display-media handler: user
 * gesture, the app's picker, the sharing indicator) or the legacy
 * `getUserMedia({ video: { mandatory: { chromeMediaSource: 'desktop' } } })`, which captures whatever source
 * id the page names with no picker at all. Electron 45 reports both as 'display-capture'; earlier versions
 * as 'media' without camera or microphone. Nothing in the request tells them apart, so a capture request is
 * answered 'capture': granted only to the app's main frame, and only as the first half of a getDisplayMedia,
 * which captureGate.ts enforces (a grant that the display-media handler does not follow is the legacy path,
 * and its capture is ended).
 */
import { isAppUrl } from '../ipc/registerIpc.ts';

export type PermissionQuery = {
  permission: string;
  /** The URL (or origin) of the frame that asks. */
  requestingUrl: string;
  isMainFrame: boolean;
  /** Whether the asking webContents is one of the app's own windows. */
  fromAppWindow: boolean;
} & (
  | { kind: 'request'; mediaTypes: ReadonlyArray<'audio' | 'video'> }
  /** A check (permissions.query, device labels) grants no capture by itself. */
  | { kind: 'check' }
);

export type PermissionDecision = 'grant' | 'deny' | 'capture';

const ALLOWED_FOR_APP = new Set(['media', 'speaker-selection', 'fullscreen']);

export function permissionDecision(query: PermissionQuery): PermissionDecision {
  if (!query.fromAppWindow || !query.isMainFrame || !isAppUrl(query.requestingUrl)) return 'deny';
  if (query.permission === 'display-capture') return query.kind === 'request' ? 'capture' : 'deny';
  if (!ALLOWED_FOR_APP.has(query.permission)) return 'deny';
  if (query.kind === 'check' || query.permission !== 'media') return 'grant';
  // Camera and/or microphone; a 'media' request for neither is a screen capture (Electron 44 and older).
  if (query.mediaTypes.length === 0) return 'capture';
  return query.mediaTypes.every((t) => t === 'audio' || t === 'video') ? 'grant' : 'deny';
}
