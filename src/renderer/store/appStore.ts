/**
 * The renderer's single zustand store, built from one slice per concern. Plain data only: no MediaStream,
 * RTCPeerConnection or socket ever enters it (those live in the engine and the media registry).
 */
import { createStore } from 'zustand/vanilla';
import type { StoreApi } from 'zustand/vanilla';
import { createCallSlice } from './call.slice.ts';
import type { CallSlice } from './call.slice.ts';
import { createDevicesSlice } from './devices.slice.ts';
import type { DevicesSlice } from './devices.slice.ts';
import { createDirectorySlice } from './directory.slice.ts';
import type { DirectorySlice } from './directory.slice.ts';
import { createGroupCallSlice } from './groupCall.slice.ts';
import type { GroupCallSlice } from './groupCall.slice.ts';
import { createHistorySlice } from './history.slice.ts';
import type { HistorySlice } from './history.slice.ts';
import { createSessionSlice } from './session.slice.ts';
import type { SessionSlice } from './session.slice.ts';
import { createSettingsSlice } from './settings.slice.ts';
import type { SettingsSlice } from './settings.slice.ts';
import { createUiSlice } from './ui.slice.ts';
import type { UiSlice } from './ui.slice.ts';

export type AppState = SessionSlice &
  DirectorySlice &
  CallSlice &
  GroupCallSlice &
  DevicesSlice &
  HistorySlice &
  SettingsSlice &
  UiSlice;

export type AppStore = StoreApi<AppState>;

export function createAppStore(): AppStore {
  return createStore<AppState>()((...a) => ({
    ...createSessionSlice(...a),
    ...createDirectorySlice(...a),
    ...createCallSlice(...a),
    ...createGroupCallSlice(...a),
    ...createDevicesSlice(...a),
    ...createHistorySlice(...a),
    ...createSettingsSlice(...a),
    ...createUiSlice(...a),
  }));
}
