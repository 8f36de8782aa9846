import { useState } from 'react';
import type { DesktopSource } from '../../../shared/desktopApi.ts';
import { useAppStore, useRuntime } from '../../app/context.ts';
import { Modal } from '../../ui/Modal.tsx';

function SourceGrid({
  sources,
  selected,
  onSelect,
  onConfirm,
}: {
  sources: DesktopSource[];
  selected: string | null;
  onSelect: (id: string) => void;
  onConfirm: (id: string) => void;
}) {
  return (
    <ul className="source-grid">
      {sources.map((source) => (
        <li key={source.id}>
          <button
            type="button"
            className={selected === source.id ? 'source selected' : 'source'}
            aria-pressed={selected === source.id}
            onClick={() => onSelect(source.id)}
            onDoubleClick={() => onConfirm(source.id)}
            data-testid="screen-source"
            data-source-id={source.id}
          >
            <img src={source.thumbnailDataUrl} alt="" className="source-thumb" />
            <span className="source-name">
              {source.appIconDataUrl && <img src={source.appIconDataUrl} alt="" className="source-icon" />}
              <span>{source.name}</span>
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}

/**
 * The desktop picker: Electron's main process parks a getDisplayMedia request and asks this modal which
 * screen or window to share (fresh thumbnails arrive while it is open). Cancelling answers null, which makes
 * getDisplayMedia reject as if the user closed a browser's own picker.
 */
export function ScreenPickerModal() {
  const runtime = useRuntime();
  const request = useAppStore((s) => s.ui.screenPicker);
  const closed = useAppStore((s) => s.screenPickerClosed);
  const [choice, setChoice] = useState<{
    requestId: string;
    sourceId: string | null;
    withAudio: boolean;
  } | null>(null);
  if (!request) return null;
  // A new request starts with nothing selected (state kept from an earlier request does not apply).
  const current =
    choice?.requestId === request.requestId
      ? choice
      : { requestId: request.requestId, sourceId: null, withAudio: false };
  const screens = request.sources.filter((s) => s.kind === 'screen');
  const windows = request.sources.filter((s) => s.kind === 'window');
  const sourceStillThere = request.sources.some((s) => s.id === current.sourceId);

  async function answer(sourceId: string | null, withSystemAudio: boolean) {
    closed();
    setChoice(null);
    const result = await runtime.desktop.chooseScreenSource({
      requestId: request!.requestId,
      sourceId,
      withSystemAudio,
    });
    if (!result.ok)
      runtime.store.getState().toastShown('error', `Screen sharing failed: ${result.error.message}`);
  }
  const select = (sourceId: string) => setChoice({ ...current, sourceId });

  return (
    <Modal title="Share your screen" onClose={() => void answer(null, false)} wide>
      <div className="picker" data-testid="screen-picker">
        {screens.length > 0 && (
          <>
            <h3 className="section-title">Screens</h3>
            <SourceGrid
              sources={screens}
              selected={current.sourceId}
              onSelect={select}
              onConfirm={(id) => void answer(id, current.withAudio)}
            />
          </>
        )}
        {windows.length > 0 && (
          <>
            <h3 className="section-title">Windows</h3>
            <SourceGrid
              sources={windows}
              selected={current.sourceId}
              onSelect={select}
              onConfirm={(id) => void answer(id, false)}
            />
          </>
        )}
        {request.screenRecordingPermission === 'denied' ? (
          <div className="empty" data-testid="screen-permission-denied">
            <p>macOS does not allow CallBridge to record your screen.</p>
            <p className="muted">
              Allow it in System Settings › Privacy &amp; Security › Screen Recording, then share again.
            </p>
            {runtime.desktop.openScreenRecordingSettings && (
              <button
                type="button"
                className="btn btn-ghost"
                onClick={() => void runtime.desktop.openScreenRecordingSettings?.()}
              >
                Open System Settings
              </button>
            )}
          </div>
        ) : (
          request.sources.length === 0 && <p className="empty">Nothing to share was found.</p>
        )}
        <div className="dialog-actions">
          {request.systemAudioAvailable && screens.some((s) => s.id === current.sourceId) && (
            <label className="check">
              <input
                type="checkbox"
                checked={current.withAudio}
                onChange={(e) => setChoice({ ...current, withAudio: e.target.checked })}
              />
              Share system audio
            </label>
          )}
          <button
            type="button"
            className="btn btn-ghost"
            onClick={() => void answer(null, false)}
            data-testid="picker-cancel"
          >
            Cancel
          </button>
          <button
            type="button"
            className="btn btn-primary"
            disabled={!sourceStillThere}
            onClick={() =>
              void answer(
                current.sourceId,
                current.withAudio && screens.some((s) => s.id === current.sourceId),
              )
            }
            data-testid="picker-share"
          >
            Share
          </button>
        </div>
      </div>
    </Modal>
  );
}
