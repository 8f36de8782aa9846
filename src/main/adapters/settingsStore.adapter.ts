import { ipcMain } from 'electron';
import Store from 'electron-store';
import type { KeyValueStore } from '../services/settings.service.ts';

/**
 * electron-store (a JSON file in userData, written atomically). No schema is given to it: SettingsService
 * parses every field with zod and falls back per field, whereas a schema here would make a damaged file
 * throw at construction and stop the app from starting.
 */
export function createSettingsStore(): KeyValueStore {
  const store = new Store<Record<string, unknown>>({ name: 'settings', clearInvalidConfig: true });
  // electron-store answers a synchronous 'electron-store-get-data' message (userData path, app version) for
  // renderer-side stores. The app has none, and its renderer gets no IPC beyond the contract: remove it.
  ipcMain.removeAllListeners('electron-store-get-data');
  return { get: (key) => store.get(key), set: (key, value) => store.set(key, value) };
}
