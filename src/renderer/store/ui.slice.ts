import type { StateCreator } from 'zustand/vanilla';
import type { ScreenPickerRequest } from '../../shared/desktopApi.ts';
import type { AppState } from './appStore.ts';

export type View = 'contacts' | 'history' | 'settings';

export interface Toast {
  id: number;
  tone: 'info' | 'success' | 'warning' | 'error';
  text: string;
}

/** More than this and the oldest go: a burst of join/leave notices must not cover the call. */
export const MAX_TOASTS = 4;

export interface UiState {
  view: View;
  toasts: Toast[];
  nextToastId: number;
  /** The Electron picker's pending request (sources with thumbnails), null when closed. */
  screenPicker: ScreenPickerRequest | null;
}

export interface UiSlice {
  ui: UiState;
  navigated(view: View): void;
  toastShown(tone: Toast['tone'], text: string): void;
  toastDismissed(id: number): void;
  screenPickerOpened(request: ScreenPickerRequest): void;
  screenPickerSourcesUpdated(request: ScreenPickerRequest): void;
  screenPickerClosed(): void;
}

export const createUiSlice: StateCreator<AppState, [], [], UiSlice> = (set) => ({
  ui: { view: 'contacts', toasts: [], nextToastId: 1, screenPicker: null },
  navigated: (view) => set((s) => ({ ui: { ...s.ui, view } })),
  toastShown: (tone, text) =>
    set((s) => ({
      ui: {
        ...s.ui,
        toasts: [...s.ui.toasts, { id: s.ui.nextToastId, tone, text }].slice(-MAX_TOASTS),
        nextToastId: s.ui.nextToastId + 1,
      },
    })),
  toastDismissed: (id) => set((s) => ({ ui: { ...s.ui, toasts: s.ui.toasts.filter((t) => t.id !== id) } })),
  screenPickerOpened: (request) => set((s) => ({ ui: { ...s.ui, screenPicker: request } })),
  // A refresh for a request the user already answered (or another one) must not reopen the picker.
  screenPickerSourcesUpdated: (request) =>
    set((s) =>
      s.ui.screenPicker?.requestId === request.requestId ? { ui: { ...s.ui, screenPicker: request } } : s,
    ),
  screenPickerClosed: () => set((s) => ({ ui: { ...s.ui, screenPicker: null } })),
});
