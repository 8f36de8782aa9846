/**
 * The DesktopApi of the web client: what Electron's main process does natively, done with browser means.
 * Screen sharing needs no picker (the browser shows its own), history comes from the server, settings live
 * in localStorage, a missed call raises a Notification when allowed, and presence shows in the tab's title
 * and favicon.
 *
 * The session token is kept in localStorage, the one persistent store a page has: a browser offers no
 * equivalent of the OS keyring to a web page, and the API authenticates with a bearer token rather than an
 * HttpOnly cookie. Its risk: script running in the page (an XSS) could read it. What limits that risk is
 * the page's strict CSP (its own scripts only, no inline script, no eval, network to its own origin only;
 * see backend/src/http/routes/web.routes.ts) and the token's lifetime; the desktop app, which can do
 * better, keeps it in the main process, encrypted at rest.
 */
import { DEFAULT_SETTINGS, Settings, SettingsPatch } from '../../shared/desktopApi.ts';
import { readStoredSession, writeStoredSession } from '../app/storedSession.ts';
import type { CallPresence, DesktopApi, HistoryQuery, Result, Unsubscribe } from '../../shared/desktopApi.ts';
import type { RestClient } from '../signaling/restClient.ts';
import { errorMessage } from '../signaling/restClient.ts';
import { toHistoryEntries } from './historyMapping.ts';
import { renderPresence } from './webPresence.ts';

const SETTINGS_KEY = 'callbridge.settings';
const SEEN_KEY = 'callbridge.historySeenUntil';

export interface WebDesktopApiDeps {
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  origin: string;
  /** The signed-in REST client and my user id, or null before sign-in. */
  session: () => { api: RestClient; selfId: string } | null;
  document?: Document;
  notify?: (title: string, body: string, tag: string) => void;
}

const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const fail = (code: string, message: string): Result<never> => ({ ok: false, error: { code, message } });
const noop: Unsubscribe = () => {};

/** Browser notifications, only when the user already granted them (asking needs a click, see Settings). */
export function browserNotify(title: string, body: string, tag: string): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  new Notification(title, { body, tag });
}

export function createWebDesktopApi(deps: WebDesktopApiDeps): DesktopApi {
  let presence: CallPresence = { state: 'idle' };
  let missedBadge = 0;

  function readSettings(): Settings {
    let stored: unknown = null;
    try {
      stored = JSON.parse(deps.storage.getItem(SETTINGS_KEY) ?? 'null');
    } catch {
      // Corrupt storage falls back to defaults rather than locking the user out.
    }
    // The server is the page's origin, never a stored value (older versions stored it with the rest).
    const { serverUrl: _origin, ...preferences } =
      typeof stored === 'object' && stored !== null ? (stored as Record<string, unknown>) : {};
    const parsed = SettingsPatch.omit({ serverUrl: true }).safeParse(preferences);
    return {
      ...DEFAULT_SETTINGS,
      ...(parsed.success ? parsed.data : {}),
      // The web client always talks to the server that served it.
      serverUrl: deps.origin,
      serverUrlLocked: true,
    };
  }

  function seenUntil(): string {
    return deps.storage.getItem(SEEN_KEY) ?? '';
  }

  function refreshPresence(): void {
    if (deps.document) renderPresence(deps.document, presence, missedBadge);
  }

  return {
    platform: 'web',
    onScreenPickerRequest: () => noop,
    onScreenPickerSources: () => noop,
    chooseScreenSource: async () => ok(undefined),

    async listHistory(query) {
      const session = deps.session();
      if (!session) return fail('unauthorized', 'Sign in to see your calls');
      const q: Partial<HistoryQuery> = query;
      try {
        const page = await session.api.listCalls({
          cursor: q.cursor ?? undefined,
          limit: Math.min(q.limit ?? 50, 100),
          filter: q.missedOnly ? 'missed' : 'all',
        });
        const search = (q.search ?? '').trim().toLowerCase();
        const until = seenUntil();
        const entries = toHistoryEntries(page.calls, session.selfId)
          .filter((e) => !search || e.participants.some((p) => p.name.toLowerCase().includes(search)))
          .map((e) => (e.unseen && e.startedAt <= until ? { ...e, unseen: false } : e));
        return ok({ entries, nextCursor: page.nextCursor });
      } catch (error) {
        return fail('history_unavailable', errorMessage(error));
      }
    },
    // The server records every call: nothing to keep locally on the web.
    recordCall: async () => ok(undefined),
    mergeHistory: async () => ok({ added: 0 }),
    async markHistorySeen() {
      deps.storage.setItem(SEEN_KEY, new Date().toISOString());
      missedBadge = 0;
      refreshPresence();
      return ok(undefined);
    },
    deleteHistoryEntry: async () => fail('unsupported', 'The web client shows the server history as is'),
    clearHistory: async () => fail('unsupported', 'The web client shows the server history as is'),

    getSettings: async () => ok(readSettings()),
    async updateSettings(patch) {
      const parsed = SettingsPatch.safeParse(patch);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return fail('bad_request', `${issue?.path.join('.') || 'settings'}: ${issue?.message ?? 'invalid'}`);
      }
      const { serverUrl: _ignored, ...preferences } = parsed.data;
      const next = Settings.parse({ ...readSettings(), ...preferences, serverUrl: deps.origin });
      const { serverUrl: _origin, serverUrlLocked: _locked, ...stored } = next;
      deps.storage.setItem(SETTINGS_KEY, JSON.stringify(stored));
      return ok(next);
    },

    async setCallPresence(next) {
      presence = next;
      refreshPresence();
      return ok(undefined);
    },
    async notifyMissedCall(entry) {
      const settings = readSettings();
      missedBadge += 1;
      refreshPresence();
      if (settings.notifyMissedCalls && !settings.doNotDisturb) {
        deps.notify?.('Missed call', `${entry.callerName} · ${entry.type} call`, entry.callId);
      }
      return ok(undefined);
    },
    onShellAction: () => noop,

    loadSession: async () => ok(readStoredSession(deps.storage)),
    async saveSession(session) {
      writeStoredSession(deps.storage, session);
      return ok({ persisted: true as const });
    },
    async clearSession() {
      writeStoredSession(deps.storage, null);
      return ok(undefined);
    },
  };
}
