import { describe, expect, it } from 'vitest';
import { DeviceId } from '../../shared/protocol/index.ts';
import { getOrCreateDeviceId } from './deviceId.ts';

function memoryStorage(initial: Record<string, string> = {}) {
  const values = new Map(Object.entries(initial));
  return {
    getItem: (k: string) => values.get(k) ?? null,
    setItem: (k: string, v: string) => void values.set(k, v),
  };
}

describe('device id', () => {
  it('is created once and then reused, so a reload stays the same device', () => {
    const storage = memoryStorage();
    const first = getOrCreateDeviceId(storage);
    expect(DeviceId.safeParse(first).success).toBe(true);
    expect(getOrCreateDeviceId(storage)).toBe(first);
  });

  it('replaces a stored value the server would refuse', () => {
    const storage = memoryStorage({ 'callbridge.deviceId': 'bad id!' });
    const id = getOrCreateDeviceId(storage);
    expect(id).not.toBe('bad id!');
    expect(DeviceId.safeParse(id).success).toBe(true);
  });
});
