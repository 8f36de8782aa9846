import { DeviceId } from '../../shared/protocol/index.ts';

const STORAGE_KEY = 'callbridge.deviceId';

/**
 * This client's device id, created once and kept in `storage`. The desktop app passes localStorage (one
 * install = one device); the web client passes sessionStorage, so each tab is its own device yet keeps its
 * id across a reload, which is what lets a reloaded tab take its call back.
 */
export function getOrCreateDeviceId(storage: Pick<Storage, 'getItem' | 'setItem'>): string {
  const stored = DeviceId.safeParse(storage.getItem(STORAGE_KEY));
  if (stored.success) return stored.data;
  const fresh = crypto.randomUUID().replaceAll('-', '');
  storage.setItem(STORAGE_KEY, fresh);
  return fresh;
}
