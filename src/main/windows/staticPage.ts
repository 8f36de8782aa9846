/**
 * Pages the main process generates for its own small windows (ringing, sharing indicator): static HTML in
 * a data: URL, without a script or a preload, under a CSP that allows nothing but the page's one style
 * sheet. Such a page cannot be made to do anything but show itself. Its buttons are links to
 * app://callbridge/<action path>/...; the window's will-navigate handler turns them into actions and
 * cancels the navigation.
 */
import { createHash } from 'node:crypto';
import { APP_ORIGIN } from '../../shared/ipc.ts';
import { isAppUrl } from '../ipc/registerIpc.ts';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface StaticPage {
  title: string;
  /** The page's only style sheet, allowed by its hash. */
  style: string;
  /** ARIA role and label of the body, so that screen readers announce the window for what it is. */
  role: string;
  /** Markup; every piece of text in it must have gone through escapeHtml. */
  body: string;
}

export function staticPageHtml(page: StaticPage): string {
  const styleHash = createHash('sha256').update(page.style).digest('base64');
  const title = escapeHtml(page.title);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-${styleHash}'">
<title>${title}</title><style>${page.style}</style></head>
<body role="${page.role}" aria-label="${title}">
${page.body}
</body></html>`;
}

export function staticPageUrl(page: StaticPage): string {
  return `data:text/html;charset=utf-8,${encodeURIComponent(staticPageHtml(page))}`;
}

/** A link that, clicked, asks for `action` under `actionPath` (e.g. '/ringing-action/'). */
export function actionLink(actionPath: string, action: string, params: Record<string, string> = {}): string {
  const query = new URLSearchParams(params).toString();
  return `${APP_ORIGIN}${actionPath}${action}${query ? `?${query}` : ''}`;
}

/** The action a clicked link asks for, or null for any URL that is not one of `actionPath`'s links. */
export function linkAction(
  url: string,
  actionPath: string,
): { action: string; params: URLSearchParams } | null {
  if (!isAppUrl(url)) return null;
  const parsed = new URL(url);
  if (!parsed.pathname.startsWith(actionPath)) return null;
  return { action: parsed.pathname.slice(actionPath.length), params: parsed.searchParams };
}
