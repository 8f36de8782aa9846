/**
 * Where the app's windows may go. The renderer is a single page on app://callbridge; it never navigates
 * away from it. A link to the web (help pages, the server's terms) opens in the user's browser after
 * validation; anything else (file:, javascript:, custom schemes, http:) is dropped.
 */
import { isAppUrl } from '../ipc/registerIpc.ts';

const MAX_EXTERNAL_URL_LENGTH = 2048;

/** The URL to hand to the user's browser, or null when it must not leave the app. */
export function externalUrlToOpen(url: string): string | null {
  if (url.length > MAX_EXTERNAL_URL_LENGTH) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  // Credentials in a link are a phishing tell ("https://bank.example@evil.example").
  if (parsed.protocol !== 'https:' || parsed.username || parsed.password) return null;
  return parsed.href;
}

export type NavigationDecision = { allow: true } | { allow: false; openExternally: string | null };

/** For will-navigate: stay on the app's own pages; send web links to the browser. */
export function navigationDecision(url: string): NavigationDecision {
  if (isAppUrl(url)) return { allow: true };
  return { allow: false, openExternally: externalUrlToOpen(url) };
}

/** For window.open: the app opens no windows of its own; web links go to the browser. */
export function windowOpenDecision(url: string): { allow: false; openExternally: string | null } {
  return { allow: false, openExternally: externalUrlToOpen(url) };
}
