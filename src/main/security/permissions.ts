/**
 * Which web permissions the app's pages get. Camera and microphone (and choosing the speaker, for the
 * preferred-speaker setting) only for the app's own main frame; fullscreen so a video tile can fill the
 * screen. Screen capture never through here: getDisplayMedia goes only through the display-media handler
 * and its picker. Everything else (notifications, geolocation, clipboard, USB, MIDI...) is denied; the
 * app's notifications come from the main process.
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

const ALLOWED_FOR_APP = new Set(['media', 'speaker-selection', 'fullscreen']);

export function isPermissionGranted(query: PermissionQuery): boolean {
  if (!query.fromAppWindow || !query.isMainFrame || !isAppUrl(query.requestingUrl)) return false;
  if (!ALLOWED_FOR_APP.has(query.permission)) return false;
  if (query.kind === 'check' || query.permission !== 'media') return true;
  // Desktop capture through legacy getUserMedia constraints (chromeMediaSource: 'desktop') arrives as a
  // media request with neither camera nor microphone in it: that would skip the picker, so it is refused.
  return query.mediaTypes.length > 0 && query.mediaTypes.every((t) => t === 'audio' || t === 'video');
}
