import type { StateCreator } from 'zustand/vanilla';
import type { AppState } from './appStore.ts';

export type DeviceKind = 'microphone' | 'camera' | 'speaker';

export interface DeviceOption {
  deviceId: string;
  label: string;
}

export interface DevicesState {
  microphones: DeviceOption[];
  cameras: DeviceOption[];
  speakers: DeviceOption[];
}

export interface DevicesSlice {
  devices: DevicesState;
  devicesListed(devices: readonly { kind: string; deviceId: string; label: string }[]): void;
}

const KIND_BY_MEDIA_KIND: Record<string, DeviceKind> = {
  audioinput: 'microphone',
  videoinput: 'camera',
  audiooutput: 'speaker',
};

/**
 * Turns enumerateDevices() output into the three pickers. Labels are empty until the page holds a media
 * permission, so unnamed devices get a numbered fallback instead of a blank entry.
 */
export function groupDevices(
  devices: readonly { kind: string; deviceId: string; label: string }[],
): DevicesState {
  const grouped: DevicesState = { microphones: [], cameras: [], speakers: [] };
  const listFor: Record<DeviceKind, DeviceOption[]> = {
    microphone: grouped.microphones,
    camera: grouped.cameras,
    speaker: grouped.speakers,
  };
  const fallbackName: Record<DeviceKind, string> = {
    microphone: 'Microphone',
    camera: 'Camera',
    speaker: 'Speaker',
  };
  for (const device of devices) {
    const kind = KIND_BY_MEDIA_KIND[device.kind];
    if (!kind || device.deviceId === '') continue;
    const list = listFor[kind];
    if (list.some((d) => d.deviceId === device.deviceId)) continue;
    list.push({
      deviceId: device.deviceId,
      label: device.label || `${fallbackName[kind]} ${list.length + 1}`,
    });
  }
  return grouped;
}

export const createDevicesSlice: StateCreator<AppState, [], [], DevicesSlice> = (set) => ({
  devices: { microphones: [], cameras: [], speakers: [] },
  devicesListed: (devices) => set({ devices: groupDevices(devices) }),
});
