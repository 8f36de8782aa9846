import type { StateCreator } from 'zustand/vanilla';
import type { HistoryEntry } from '../../shared/desktopApi.ts';
import type { AppState } from './appStore.ts';

export type HistoryFilter = 'all' | 'missed';

export interface HistoryState {
  entries: HistoryEntry[];
  filter: HistoryFilter;
  status: 'idle' | 'loading' | 'ready' | 'error';
  error: string | null;
}

export interface HistorySlice {
  history: HistoryState;
  historyLoading(filter: HistoryFilter): void;
  historyLoaded(entries: HistoryEntry[]): void;
  historyFailed(message: string): void;
  historySeen(): void;
}

export const createHistorySlice: StateCreator<AppState, [], [], HistorySlice> = (set) => ({
  history: { entries: [], filter: 'all', status: 'idle', error: null },
  historyLoading: (filter) =>
    set((s) => ({ history: { ...s.history, filter, status: 'loading', error: null } })),
  historyLoaded: (entries) =>
    set((s) => ({ history: { ...s.history, entries, status: 'ready', error: null } })),
  historyFailed: (message) => set((s) => ({ history: { ...s.history, status: 'error', error: message } })),
  historySeen: () =>
    set((s) => ({
      history: {
        ...s.history,
        entries: s.history.entries.map((e) => (e.unseen ? { ...e, unseen: false } : e)),
      },
    })),
});

/** The badge on the History tab: missed calls I have not looked at. */
export function unseenMissedCount(entries: readonly HistoryEntry[]): number {
  return entries.filter((e) => e.unseen && e.status === 'missed' && e.direction === 'incoming').length;
}
