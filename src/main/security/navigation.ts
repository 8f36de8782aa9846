/**
 * Where the app's windows may go. The renderer is a single page on app://callbridge; it never navigates
 * away from it. A link to the web (help pages, the server's terms) or an e-mail address opens in the
 * user's own browser or mail program, after validation; anything else (file:, javascript:, custom schemes
 * such as ms-msdt: or smb:) is dropped. A link outside the configured server's origin is opened only once
 * the user has confirmed it in a dialog of the main process, which shows exactly where it leads.
 */
import { serverOrigin } from '../../shared/serverUrl.ts';
import { isAppUrl } from '../ipc/registerIpc.ts';

const MAX_EXTERNAL_URL_LENGTH = 2048;
const EXTERNAL_SCHEMES = new Set(['https:', 'http:', 'mailto:']);

/** The URL to hand to the OS (browser or mail program), or null when it must not leave the app. */
export function externalUrlToOpen(url: string): string | null {
  if (url.length > MAX_EXTERNAL_URL_LENGTH) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  // Credentials in a link are a phishing tell ("https://bank.example@evil.example").
  if (!EXTERNAL_SCHEMES.has(parsed.protocol) || parsed.username || parsed.password) return null;
  return parsed.href;
}

export type ExternalLinkDecision =
  | { action: 'deny' }
  | { action: 'open'; url: string }
  /** Ask first; `destination` is what the dialog names: the host (in punycode, so that look-alikes show) or the address. */
  | { action: 'confirm'; url: string; destination: string };

export function externalLinkDecision(url: string, configuredServerUrl: string | null): ExternalLinkDecision {
  const href = externalUrlToOpen(url);
  if (!href) return { action: 'deny' };
  const parsed = new URL(href);
  if (parsed.protocol === 'mailto:') return { action: 'confirm', url: href, destination: parsed.pathname };
  if (parsed.origin === serverOrigin(configuredServerUrl)) return { action: 'open', url: href };
  return { action: 'confirm', url: href, destination: parsed.host };
}

export type NavigationDecision = { allow: true } | { allow: false; openExternally: string | null };

/** For will-navigate: stay on the app's own pages; hand web and mail links to the OS (after asking). */
export function navigationDecision(url: string): NavigationDecision {
  if (isAppUrl(url)) return { allow: true };
  return { allow: false, openExternally: externalUrlToOpen(url) };
}

/** For window.open: the app opens no windows of its own; web and mail links go to the OS (after asking). */
export function windowOpenDecision(url: string): { allow: false; openExternally: string | null } {
  return { allow: false, openExternally: externalUrlToOpen(url) };
}
