import { useState } from 'react';
import type { Settings } from '../../../shared/desktopApi.ts';
import { ServerUrl } from '../../../shared/serverUrl.ts';
import { useAppStore, useRuntime } from '../../app/context.ts';
import { DeviceSettings } from '../../ui/DeviceMenu.tsx';
import { startRingtone } from '../../ui/ringtone.ts';
import { policyUnreadableMessage } from '../../ui/policyNotice.ts';

const LOCKED_HINT = 'Set by your administrator';

const RINGTONES: { value: Settings['ringtone']; label: string }[] = [
  { value: 'classic', label: 'Classic' },
  { value: 'soft', label: 'Soft chime' },
  { value: 'none', label: 'Silent' },
];

function Toggle({
  label,
  hint,
  checked,
  locked = false,
  onChange,
}: {
  label: string;
  hint: string;
  checked: boolean;
  locked?: boolean;
  onChange: (v: boolean) => void;
}) {
  return (
    <label className="toggle-row">
      <span className="row-text">
        <strong>{label}</strong>
        <span className="muted">{locked ? LOCKED_HINT : hint}</span>
      </span>
      <input
        type="checkbox"
        role="switch"
        className="switch"
        checked={checked}
        disabled={locked}
        onChange={(e) => onChange(e.target.checked)}
      />
    </label>
  );
}

export function SettingsScreen() {
  const runtime = useRuntime();
  const settings = useAppStore((s) => s.settings);
  const isDesktop = runtime.desktop.platform === 'electron';
  const inCall = useAppStore((s) => s.call.current !== null);
  const [serverUrl, setServerUrl] = useState(settings?.serverUrl ?? '');
  const [serverError, setServerError] = useState<string | null>(null);
  const [notificationPermission, setNotificationPermission] = useState(() =>
    typeof Notification === 'undefined' ? 'unsupported' : Notification.permission,
  );
  if (!settings) return null;
  const update = (patch: Parameters<typeof runtime.updateSettings>[0]) => void runtime.updateSettings(patch);
  const locked = new Set<string>(settings.policy?.lockedKeys ?? []);
  const isLocked = (key: keyof Settings) => locked.has(key);

  async function saveServer() {
    const parsed = ServerUrl.safeParse(serverUrl);
    if (!parsed.success) return setServerError(parsed.error.issues[0]?.message ?? 'Invalid server address');
    setServerError(null);
    if (parsed.data === settings?.serverUrl) return;
    const leave = window.confirm(
      `Switch to ${parsed.data}? You will be signed out and can sign in on the new server.`,
    );
    if (leave) setServerError(await runtime.switchServer(parsed.data));
  }

  function preview(kind: Settings['ringtone']) {
    if (kind === 'none') return;
    const stop = startRingtone(kind, settings?.preferredSpeakerId ?? null);
    setTimeout(stop, 2500);
  }

  return (
    <section className="page settings" data-testid="settings">
      <header className="page-header">
        <div>
          <h1>Settings</h1>
          <p className="muted">Devices, ringing and notifications.</p>
        </div>
      </header>
      {settings.policy?.status === 'unreadable' && (
        <p className="form-error" role="alert" data-testid="policy-unreadable">
          {policyUnreadableMessage}
        </p>
      )}

      <div className="card">
        <h2 className="card-title">Devices</h2>
        <DeviceSettings />
      </div>

      <div className="card">
        <h2 className="card-title">Incoming calls</h2>
        <label className="field">
          <span>Ringtone</span>
          <div className="inline">
            <select
              value={settings.ringtone}
              disabled={isLocked('ringtone')}
              onChange={(e) => update({ ringtone: e.target.value as Settings['ringtone'] })}
            >
              {RINGTONES.map((r) => (
                <option key={r.value} value={r.value}>
                  {r.label}
                </option>
              ))}
            </select>
            <button
              className="btn btn-ghost"
              type="button"
              onClick={() => preview(settings.ringtone)}
              disabled={settings.ringtone === 'none'}
            >
              Preview
            </button>
          </div>
        </label>
        <Toggle
          label="Do not disturb"
          hint="Calls still show up but do not ring."
          checked={settings.doNotDisturb}
          locked={isLocked('doNotDisturb')}
          onChange={(v) => update({ doNotDisturb: v })}
        />
        <Toggle
          label="Missed call notifications"
          hint="Tell me when I miss a call."
          checked={settings.notifyMissedCalls}
          locked={isLocked('notifyMissedCalls')}
          onChange={(v) => update({ notifyMissedCalls: v })}
        />
        {!isDesktop && notificationPermission === 'default' && (
          <button
            className="btn btn-ghost"
            type="button"
            onClick={() => void Notification.requestPermission().then(setNotificationPermission)}
          >
            Allow browser notifications
          </button>
        )}
        {!isDesktop && notificationPermission === 'denied' && (
          <p className="muted">Browser notifications are blocked for this site.</p>
        )}
      </div>

      {isDesktop && (
        <div className="card">
          <h2 className="card-title">App</h2>
          <Toggle
            label="Hide CallBridge from screen shares"
            hint="Your own calls window stays out of what you (or other apps) capture."
            checked={settings.hideWindowsFromCapture ?? false}
            locked={isLocked('hideWindowsFromCapture')}
            onChange={(v) => update({ hideWindowsFromCapture: v })}
          />
          <Toggle
            label="Start at login"
            hint="Be reachable as soon as you sign in to your computer."
            checked={settings.launchAtLogin}
            locked={isLocked('launchAtLogin')}
            onChange={(v) => update({ launchAtLogin: v })}
          />
          <label className="field">
            <span>Server</span>
            <div className="inline">
              <input
                type="url"
                value={serverUrl}
                readOnly={settings.serverUrlLocked}
                onChange={(e) => setServerUrl(e.target.value)}
              />
              {!settings.serverUrlLocked && (
                <button
                  className="btn btn-ghost"
                  type="button"
                  disabled={serverUrl.trim() === (settings.serverUrl ?? '') || inCall}
                  onClick={() => void saveServer()}
                >
                  Switch
                </button>
              )}
            </div>
            {serverError && (
              <small className="form-error" role="alert">
                {serverError}
              </small>
            )}
            {settings.serverUrlLocked ? (
              <small>{LOCKED_HINT}</small>
            ) : (
              <small>
                {inCall
                  ? 'The server can be changed once the call has ended.'
                  : 'Switching servers signs you out.'}
              </small>
            )}
          </label>
        </div>
      )}
    </section>
  );
}
