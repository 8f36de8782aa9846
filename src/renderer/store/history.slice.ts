import type { StateCreator } from 'zustand/vanilla';
import type { HistoryEntry } from '../../shared/desktopApi.ts';
import type { CallHistoryItemDto, RecordingState } from '../../shared/protocol/index.ts';
import type { AppState } from './appStore.ts';

export type HistoryFilter = 'all' | 'missed';

/** A call's recording as the server's history lists it (the local desktop history does not keep these). */
export interface HistoryRecording {
  state: RecordingState;
  /** The authenticated download, once ready. */
  url: string | null;
  message: string | null;
}

export interface HistoryState {
  entries: HistoryEntry[];
  /** By call id; only calls that were recorded. */
  recordings: Record<string, HistoryRecording>;
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
  historyRecordingsLoaded(recordings: Record<string, HistoryRecording>): void;
}

export const createHistorySlice: StateCreator<AppState, [], [], HistorySlice> = (set) => ({
  history: { entries: [], recordings: {}, filter: 'all', status: 'idle', error: null },
  historyRecordingsLoaded: (recordings) => set((s) => ({ history: { ...s.history, recordings } })),
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

/** The recordings of a server history page, by call id. */
export function recordingsOf(calls: readonly CallHistoryItemDto[]): Record<string, HistoryRecording> {
  const recordings: Record<string, HistoryRecording> = {};
  for (const call of calls) {
    if (call.recording) {
      const { state, message } = call.recording;
      recordings[call.id] = { state, message, url: state === 'ready' ? (call.recordingUrl ?? null) : null };
    }
  }
  return recordings;
}
