import { useState, type ReactNode } from 'react';
import type { MediaState } from '../../../shared/protocol.ts';
import { Icon } from '../../ui/Icon.tsx';
import type { IconName } from '../../ui/Icon.tsx';
import { DeviceSettings } from '../../ui/DeviceMenu.tsx';

function ControlButton({
  icon,
  label,
  onClick,
  active = true,
  tone,
  testId,
}: {
  icon: IconName;
  label: string;
  onClick: () => void;
  active?: boolean;
  tone?: 'danger' | 'accent';
  testId: string;
}) {
  return (
    <button
      className={['control', active ? '' : 'off', tone ? `control-${tone}` : ''].join(' ')}
      onClick={onClick}
      title={label}
      aria-label={label}
      aria-pressed={tone === 'danger' ? undefined : active}
      data-testid={testId}
    >
      <Icon name={icon} size={22} />
    </button>
  );
}

export function CallControls({
  local,
  onToggleMute,
  onToggleCamera,
  onToggleShare,
  onHangUp,
  recording,
  children,
}: {
  local: MediaState;
  onToggleMute: () => void;
  onToggleCamera: () => void;
  onToggleShare: () => void;
  onHangUp: () => void;
  /** Only for whoever may control the recording (the initiator). */
  recording?: { active: boolean; onToggle: () => void };
  /** More controls, before the hang-up button. */
  children?: ReactNode;
}) {
  const [devicesOpen, setDevicesOpen] = useState(false);
  const canShare = typeof navigator !== 'undefined' && Boolean(navigator.mediaDevices?.getDisplayMedia);
  return (
    <div className="controls" role="toolbar" aria-label="Call controls">
      <ControlButton
        icon={local.audioEnabled ? 'mic' : 'micOff'}
        label={local.audioEnabled ? 'Mute (M)' : 'Unmute (M)'}
        active={local.audioEnabled}
        onClick={onToggleMute}
        testId="toggle-mute"
      />
      <ControlButton
        icon={local.videoEnabled ? 'video' : 'videoOff'}
        label={local.videoEnabled ? 'Turn camera off (V)' : 'Turn camera on (V)'}
        active={local.videoEnabled}
        onClick={onToggleCamera}
        testId="toggle-camera"
      />
      {canShare && (
        <ControlButton
          icon="screen"
          label={local.screenSharing ? 'Stop sharing' : 'Share your screen'}
          active
          tone={local.screenSharing ? 'accent' : undefined}
          onClick={onToggleShare}
          testId="toggle-share"
        />
      )}
      {recording && (
        <ControlButton
          icon="record"
          label={recording.active ? 'Stop recording' : 'Record this call'}
          active
          tone={recording.active ? 'danger' : undefined}
          onClick={recording.onToggle}
          testId="toggle-recording"
        />
      )}
      <div className="control-popover-anchor">
        <ControlButton
          icon="sliders"
          label="Devices"
          active
          onClick={() => setDevicesOpen((o) => !o)}
          testId="devices"
        />
        {devicesOpen && (
          <div className="popover" role="dialog" aria-label="Devices">
            <DeviceSettings />
          </div>
        )}
      </div>
      {children}
      <ControlButton icon="hangUp" label="Hang up" tone="danger" onClick={onHangUp} testId="hang-up" />
    </div>
  );
}
