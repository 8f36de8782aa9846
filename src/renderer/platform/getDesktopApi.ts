import type { DesktopApi } from '../../shared/desktopApi.ts';
import type { WebDesktopApiDeps } from './webDesktopApi.ts';
import { browserNotify, createWebDesktopApi } from './webDesktopApi.ts';

declare global {
  interface Window {
    /** Set by the Electron preload through contextBridge; absent in a browser. */
    desktop?: DesktopApi;
  }
}

/** The platform the renderer runs on: Electron's preload when present, otherwise the browser implementation. */
export function getDesktopApi(session: WebDesktopApiDeps['session']): DesktopApi {
  if (window.desktop) return window.desktop;
  return createWebDesktopApi({
    storage: window.localStorage,
    origin: window.location.origin,
    session,
    document: window.document,
    notify: browserNotify,
  });
}
