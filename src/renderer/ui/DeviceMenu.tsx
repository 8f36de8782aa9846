import { useRuntime, useAppStore, useSession } from '../app/context.ts';
import type { DeviceOption } from '../store/devices.slice.ts';

function DeviceSelect({
  label,
  options,
  value,
  onChange,
  testId,
}: {
  label: string;
  options: DeviceOption[];
  value: string | null;
  onChange: (deviceId: string) => void;
  testId: string;
}) {
  return (
    <label className="field">
      <span>{label}</span>
      <select
        value={value ?? ''}
        onChange={(e) => onChange(e.target.value)}
        disabled={options.length === 0}
        data-testid={testId}
      >
        {value === null && <option value="">System default</option>}
        {options.map((d) => (
          <option key={d.deviceId} value={d.deviceId}>
            {d.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Speaker choice needs HTMLMediaElement.setSinkId (Chromium, Electron); other browsers play on the default. */
export const canChooseSpeaker =
  typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;

/**
 * Microphone, camera and speaker pickers. In a call the engine switches the live track; the choice is also
 * saved as the preferred device for the next calls.
 */
export function DeviceSettings() {
  const runtime = useRuntime();
  const services = useSession();
  const devices = useAppStore((s) => s.devices);
  const settings = useAppStore((s) => s.settings);
  const inCall = useAppStore((s) => s.call.current !== null);

  const choose = (kind: 'microphone' | 'camera', deviceId: string) => {
    if (inCall) void services.calls.switchDevice(kind, deviceId);
    void runtime.updateSettings(
      kind === 'microphone' ? { preferredMicrophoneId: deviceId } : { preferredCameraId: deviceId },
    );
  };

  return (
    <div className="device-settings">
      <DeviceSelect
        label="Microphone"
        options={devices.microphones}
        value={settings?.preferredMicrophoneId ?? null}
        onChange={(id) => choose('microphone', id)}
        testId="select-microphone"
      />
      <DeviceSelect
        label="Camera"
        options={devices.cameras}
        value={settings?.preferredCameraId ?? null}
        onChange={(id) => choose('camera', id)}
        testId="select-camera"
      />
      {canChooseSpeaker && (
        <DeviceSelect
          label="Speaker"
          options={devices.speakers}
          value={settings?.preferredSpeakerId ?? null}
          onChange={(id) => void runtime.updateSettings({ preferredSpeakerId: id })}
          testId="select-speaker"
        />
      )}
    </div>
  );
}
