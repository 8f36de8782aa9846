import type { CallPresence } from '../../shared/desktopApi.ts';

const APP_NAME = 'CallBridge';

/** The tab title a user sees from another tab: who is ringing, who I am talking to, how many calls I missed. */
export function presenceTitle(presence: CallPresence, missed: number): string {
  const prefix = missed > 0 ? `(${missed}) ` : '';
  switch (presence.state) {
    case 'ringing':
      return `${prefix}Incoming ${presence.type} call from ${presence.callerName} · ${APP_NAME}`;
    case 'in-call':
      return `${prefix}In call with ${presence.title} · ${APP_NAME}`;
    case 'idle':
      return `${prefix}${APP_NAME}`;
  }
}

const BADGE_COLOR: Record<CallPresence['state'], string | null> = {
  idle: null,
  ringing: '#f5a524',
  'in-call': '#17c964',
};

/** The app icon with a status dot: amber ringing, green in a call, red for unseen missed calls. */
export function faviconDataUrl(presence: CallPresence, missed: number): string {
  const dot = BADGE_COLOR[presence.state] ?? (missed > 0 ? '#f31260' : null);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">` +
    `<rect width="64" height="64" rx="16" fill="#4f6bff"/>` +
    `<path d="M22 16c2 0 4 5 5 8s-3 5-3 6c1 4 6 9 10 10 1 0 3-4 6-3s8 3 8 5-3 8-8 8C27 50 14 37 14 24c0-5 6-8 8-8z" fill="#fff"/>` +
    (dot ? `<circle cx="52" cy="12" r="11" fill="${dot}" stroke="#10131a" stroke-width="3"/>` : '') +
    `</svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

export function renderPresence(doc: Document, presence: CallPresence, missed: number): void {
  doc.title = presenceTitle(presence, missed);
  let link = doc.querySelector<HTMLLinkElement>('link[rel="icon"]');
  if (!link) {
    link = doc.createElement('link');
    link.rel = 'icon';
    doc.head.append(link);
  }
  link.href = faviconDataUrl(presence, missed);
}
