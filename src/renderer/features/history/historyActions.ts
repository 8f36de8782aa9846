import type { DesktopApi } from '../../../shared/desktopApi.ts';
import { toHistoryEntries } from '../../platform/historyMapping.ts';
import type { RestClient } from '../../signaling/restClient.ts';
import { errorMessage } from '../../signaling/restClient.ts';
import type { AppStore } from '../../store/appStore.ts';
import type { HistoryFilter } from '../../store/history.slice.ts';

/**
 * Loads the call history. The desktop app keeps its own SQLite history (calls recorded while offline too),
 * so the server's latest page is merged into it first and the merged list is shown; the web client's
 * DesktopApi reads the server directly.
 */
export async function loadHistory(
  deps: { api: RestClient; desktop: DesktopApi; store: AppStore; selfId: string },
  filter: HistoryFilter = deps.store.getState().history.filter,
): Promise<void> {
  const { api, desktop, store, selfId } = deps;
  store.getState().historyLoading(filter);
  // Recordings are processed after the call: the merge also brings their latest state into the local
  // history, which then shows (and opens) them when the server's page is not at hand.
  if (desktop.platform === 'electron') {
    try {
      const page = await api.listCalls({ limit: 100 });
      const merged = await desktop.mergeHistory(toHistoryEntries(page.calls, selfId));
      if (!merged.ok) console.warn(`history: merge failed (${merged.error.message})`);
    } catch (error) {
      // Offline: the local history is still worth showing.
      console.warn(`history: server history unavailable (${errorMessage(error)})`);
    }
  }
  const result = await desktop.listHistory({ missedOnly: filter === 'missed', limit: 100 });
  if (result.ok) store.getState().historyLoaded(result.value.entries);
  else store.getState().historyFailed(result.error.message);
}

export async function markHistorySeen(desktop: DesktopApi, store: AppStore): Promise<void> {
  const result = await desktop.markHistorySeen('all');
  if (result.ok) store.getState().historySeen();
}
