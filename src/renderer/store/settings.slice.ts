import type { StateCreator } from 'zustand/vanilla';
import type { Settings } from '../../shared/desktopApi.ts';
import type { AppState } from './appStore.ts';

export interface SettingsSlice {
  /** null until the platform answered; the app waits for it before signing in. */
  settings: Settings | null;
  settingsLoaded(settings: Settings): void;
}

export const createSettingsSlice: StateCreator<AppState, [], [], SettingsSlice> = (set) => ({
  settings: null,
  settingsLoaded: (settings) => set({ settings }),
});
