import { useCallback, useState } from 'react';
import type { CSSProperties } from 'react';
import { useAppStore, useSession } from '../../app/context.ts';
import { visibleParticipants } from '../../store/call.reducer.ts';
import type { CurrentCall } from '../../store/call.reducer.ts';
import { CallBanners } from './CallBanners.tsx';
import { CallControls } from './CallControls.tsx';
import { elapsedSeconds, formatDuration } from './formatDuration.ts';
import { computeGrid, GRID_GAP } from './gridLayout.ts';
import { useElementSize, useNow } from './hooks.ts';
import { LocalPreview, RemoteTile } from './Tiles.tsx';
import { useCallShortcuts } from './useCallShortcuts.ts';

function CallStatus({ call }: { call: CurrentCall }) {
  const now = useNow();
  if (call.phase === 'ringing') return <span className="call-status">Calling…</span>;
  if (call.phase === 'joining' || call.startedAt === null)
    return <span className="call-status">Connecting…</span>;
  return (
    <span className="call-status call-duration" data-testid="call-duration">
      {formatDuration(elapsedSeconds(call.startedAt, now))}
    </span>
  );
}

export function InCallScreen() {
  const { calls, selfId } = useSession();
  const call = useAppStore((s) => s.call.current);
  const user = useAppStore((s) => s.session.user);
  const sinkId = useAppStore((s) => s.settings?.preferredSpeakerId ?? null);
  const [stageRef, stage] = useElementSize<HTMLDivElement>();
  const [soundBlocked, setSoundBlocked] = useState(false);
  const [soundEpoch, setSoundEpoch] = useState(0);
  const onSoundBlocked = useCallback(() => setSoundBlocked(true), []);
  const toggleMute = useCallback(() => calls.toggleMute(), [calls]);
  const toggleCamera = useCallback(() => void calls.toggleCamera(), [calls]);
  useCallShortcuts({ toggleMute, toggleCamera });

  if (!call) return null;
  const tiles = visibleParticipants(call);
  // 1:1: my preview floats over the other person. In a group it takes a grid cell, so it never hides a peer.
  const selfInGrid = tiles.length >= 2;
  const grid = computeGrid(Math.max(tiles.length + (selfInGrid ? 1 : 0), 1), stage.width, stage.height);
  const localPreview = (
    <LocalPreview
      name={user?.name ?? 'You'}
      seed={selfId}
      media={call.local}
      speaking={call.activeSpeakerId === selfId}
      inGrid={selfInGrid}
    />
  );
  // A wrapping row layout as wide as `columns` tiles: a last, shorter row stays centred.
  const gridStyle = {
    '--grid-w': `${grid.columns * grid.tileWidth + (grid.columns - 1) * GRID_GAP}px`,
    '--gap': `${GRID_GAP}px`,
    '--tile-w': `${grid.tileWidth}px`,
    '--tile-h': `${grid.tileHeight}px`,
  } as CSSProperties;

  return (
    <main className="call" data-testid="in-call" data-phase={call.phase} data-call-id={call.callId}>
      <header className="call-header">
        <div>
          <h1 className="call-title" data-testid="call-title">
            {call.title}
          </h1>
          <CallStatus call={call} />
        </div>
        <span className="call-kind">
          {tiles.length > 1 ? `${tiles.length + 1} people` : `${call.type} call`}
        </span>
      </header>
      <CallBanners
        call={call}
        soundBlocked={soundBlocked}
        onRetryMedia={(audioOnly) => void calls.retryMedia(audioOnly)}
        onRetryPeer={(userId) => calls.retryPeer(userId)}
        onStopSharing={() => void calls.toggleScreenShare()}
        onEnableSound={() => {
          setSoundBlocked(false);
          setSoundEpoch((n) => n + 1);
        }}
      />
      <div className="stage" ref={stageRef}>
        <div className="grid" style={gridStyle} data-columns={grid.columns}>
          {tiles.map((p) => (
            <RemoteTile
              key={p.userId}
              participant={p}
              speaking={call.activeSpeakerId === p.userId}
              sinkId={sinkId}
              soundEpoch={soundEpoch}
              onSoundBlocked={onSoundBlocked}
              onRetry={(userId) => calls.retryPeer(userId)}
            />
          ))}
          {selfInGrid && localPreview}
        </div>
        {!selfInGrid && localPreview}
      </div>
      <CallControls
        local={call.local}
        onToggleMute={toggleMute}
        onToggleCamera={toggleCamera}
        onToggleShare={() => void calls.toggleScreenShare()}
        onHangUp={() => void calls.hangUp()}
      />
    </main>
  );
}
