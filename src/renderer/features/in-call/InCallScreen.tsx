import { useCallback, useEffect, useRef, useState } from 'react';
import type { CSSProperties } from 'react';
import { useAppStore, useSession } from '../../app/context.ts';
import type { CurrentCall } from '../../store/call.reducer.ts';
import { isJoined, visibleOthers } from '../../store/callMembers.ts';
import type { CallMember } from '../../store/callMembers.ts';
import type { RemoteTileView } from '../../webrtc/types.ts';
import { CallBanners } from './CallBanners.tsx';
import { CallControls } from './CallControls.tsx';
import { FloorControls, HandQueue } from './Floor.tsx';
import { elapsedSeconds, formatDuration } from '../../ui/formatDuration.ts';
import { GRID_GAP, planStage, STRIP_HEIGHT } from './gridLayout.ts';
import { useElementSize, useNow, useRemoteViewReport, useStageSelection } from './hooks.ts';
import { OffstageStrip } from './OffstageStrip.tsx';
import { ringingStatus } from './ringingStatus.ts';
import './groupCall.css';
import { LocalPreview, RemoteTile, videoPausedToward } from './Tiles.tsx';
import { useCallShortcuts, useEscape } from './useCallShortcuts.ts';

function CallStatus({ call }: { call: CurrentCall }) {
  const now = useNow();
  if (call.phase === 'ringing') {
    return (
      <span className="call-status" data-testid="ringing-status">
        {ringingStatus(call)}
      </span>
    );
  }
  if (call.phase === 'joining' || call.startedAt === null)
    return <span className="call-status">Connecting…</span>;
  return (
    <span className="call-status call-duration" data-testid="call-duration">
      {formatDuration(elapsedSeconds(call.startedAt, now))}
    </span>
  );
}

function CallKind({ call, peopleCount }: { call: CurrentCall; peopleCount: number }) {
  const viaServer = call.topology === 'sfu';
  return (
    <span className="call-kind" data-testid="call-kind" data-topology={call.topology}>
      {peopleCount > 2 ? `${peopleCount} people` : `${call.type} call`}
      {viaServer && (
        <span
          className="call-via"
          data-testid="call-via-server"
          title="Everyone's audio and video goes through the media server, which keeps big calls light on your connection"
        >
          {' · via server'}
        </span>
      )}
    </span>
  );
}

/** Persistent while the call is recorded: everyone in it must be able to tell at any moment. */
function RecordingIndicator({ call }: { call: CurrentCall }) {
  if (call.recording?.state !== 'recording') return null;
  return (
    <span className="recording-indicator" data-testid="recording-indicator" role="status">
      <span className="recording-dot" aria-hidden="true" />
      Recording
    </span>
  );
}

/** The server's policy: the initiator starts and stops; once they left, anyone in the call may stop. */
function controlsRecording(call: CurrentCall, selfId: string): boolean {
  if (call.phase !== 'active') return false;
  if (call.initiatedBy === selfId) return true;
  return call.recording?.state === 'recording' && !isJoined(call, call.initiatedBy);
}

const NO_PARTICIPANTS: readonly CallMember[] = [];

export function InCallScreen() {
  const { calls, selfId } = useSession();
  const call = useAppStore((s) => s.call.current);
  const user = useAppStore((s) => s.session.user);
  const sinkId = useAppStore((s) => s.settings?.preferredSpeakerId ?? null);
  const [stageRef, stage] = useElementSize<HTMLDivElement>();
  const [soundBlocked, setSoundBlocked] = useState(false);
  const [soundEpoch, setSoundEpoch] = useState(0);
  const [spotlightId, setSpotlightId] = useState<string | null>(null);
  const onSoundBlocked = useCallback(() => setSoundBlocked(true), []);
  const toggleMute = useCallback(() => calls.toggleMute(), [calls]);
  const toggleCamera = useCallback(() => void calls.toggleCamera(), [calls]);
  const toggleSpotlight = useCallback(
    (userId: string) => setSpotlightId((current) => (current === userId ? null : userId)),
    [],
  );
  const leaveSpotlight = useCallback(() => setSpotlightId(null), []);
  // A click in the strip brings that person on stage and unmounts the button that had the focus: the focus
  // follows them to their tile, so a keyboard user is not thrown back to the top of the page.
  const focusTileOf = useRef<string | null>(null);
  const spotlightFromStrip = useCallback((userId: string) => {
    focusTileOf.current = userId;
    setSpotlightId(userId);
  }, []);
  useEffect(() => {
    const userId = focusTileOf.current;
    if (userId === null) return;
    focusTileOf.current = null;
    stageRef.current
      ?.querySelector<HTMLElement>(
        `[data-testid="remote-tile"][data-user-id="${CSS.escape(userId)}"] .tile-hit`,
      )
      ?.focus();
  });
  // A new call or a move to the media server re-sends the view even if no tile moved: whatever receives it
  // there (a new engine, a new SFU subscription) starts from the current picture, not from nothing.
  const callId = call?.callId;
  const topology = call?.topology;
  const reportView = useCallback(
    (view: RemoteTileView[]) => {
      if (callId && topology) calls.setRemoteView(view);
    },
    [calls, callId, topology],
  );
  useCallShortcuts({ toggleMute, toggleCamera });

  const tiles = call ? visibleOthers(call) : NO_PARTICIPANTS;
  // 1:1: my preview floats over the other person. In a group it takes a grid cell, so it never hides a peer.
  const group = tiles.length >= 2;
  const selfInGrid = group;
  // Spotlight is a group thing (a lone peer already fills the stage), and ends when its person leaves.
  const spotlit = group && tiles.some((p) => p.userId === spotlightId) ? spotlightId : null;
  // Forgotten, not just hidden: someone who leaves and comes back (or the next call) starts in the grid.
  if (spotlightId !== null && spotlit === null) setSpotlightId(null);
  useEscape(spotlit !== null, leaveSpotlight);
  const plan = planStage({
    remoteCount: tiles.length,
    selfInGrid,
    spotlight: spotlit !== null,
    width: stage.width,
    height: stage.height,
  });
  const sharers = tiles.filter((p) => p.mediaState.screenSharing).map((p) => p.userId);
  const onStageIds = useStageSelection({
    participants: tiles.map((p) => p.userId),
    activeSpeakerId: call?.activeSpeakerId ?? null,
    slots: plan.remoteSlots,
    mustShow: spotlit ? [spotlit, ...sharers] : sharers,
    pending: tiles.filter((p) => p.status !== 'joined').map((p) => p.userId),
  });
  const measurer = useRemoteViewReport(
    reportView,
    tiles.map((p) => ({ userId: p.userId, screenSharing: p.mediaState.screenSharing })),
  );

  if (!call) return null;
  const byId = new Map(tiles.map((p) => [p.userId, p]));
  const onStage = onStageIds.flatMap((id) => byId.get(id) ?? []);
  const onStageSet = new Set(onStageIds);
  const offstage = tiles.filter((p) => !onStageSet.has(p.userId));

  const localPreview = (
    <LocalPreview
      name={user?.name ?? 'You'}
      seed={selfId}
      media={call.local}
      speaking={call.activeSpeakerId === selfId}
      inGrid={selfInGrid}
    />
  );
  const { grid, main } = plan;
  // A wrapping row layout as wide as `columns` tiles: a last, shorter row stays centred. In spotlight mode
  // the big tile takes a row of its own (see groupCall.css) and the others line up under it as thumbnails.
  const gridStyle = {
    '--grid-w': `${grid.columns * grid.tileWidth + Math.max(0, grid.columns - 1) * GRID_GAP}px`,
    '--gap': `${GRID_GAP}px`,
    '--tile-w': `${grid.tileWidth}px`,
    '--tile-h': `${grid.tileHeight}px`,
    '--main-w': `${main.width}px`,
    '--main-h': `${main.height}px`,
    '--strip-h': `${STRIP_HEIGHT}px`,
  } as CSSProperties;

  return (
    <main
      className="call"
      data-testid="in-call"
      data-phase={call.phase}
      data-call-id={call.callId}
      data-topology={call.topology}
    >
      <header className="call-header">
        <div>
          <h1 className="call-title" data-testid="call-title">
            {call.title}
          </h1>
          <CallStatus call={call} />
        </div>
        <RecordingIndicator call={call} />
        <CallKind call={call} peopleCount={tiles.length + 1} />
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
      <HandQueue call={call} />
      <div className={offstage.length > 0 ? 'stage has-offstage' : 'stage'} ref={stageRef} style={gridStyle}>
        <div
          className={spotlit ? 'grid spotlight' : 'grid'}
          data-testid="call-grid"
          data-columns={grid.columns}
          data-layout={spotlit ? 'spotlight' : 'grid'}
        >
          {onStage.map((p) => (
            <RemoteTile
              key={p.userId}
              participant={p}
              speaking={call.activeSpeakerId === p.userId}
              sinkId={sinkId}
              soundEpoch={soundEpoch}
              onSoundBlocked={onSoundBlocked}
              onRetry={(userId) => calls.retryPeer(userId)}
              spotlit={p.userId === spotlit}
              onToggleSpotlight={group ? toggleSpotlight : undefined}
              tileRef={measurer.refFor(p.userId)}
              videoPaused={videoPausedToward(p.mediaState, selfId)}
            />
          ))}
          {selfInGrid && localPreview}
        </div>
        {offstage.length > 0 && (
          <OffstageStrip
            participants={offstage}
            activeSpeakerId={call.activeSpeakerId}
            sinkId={sinkId}
            soundEpoch={soundEpoch}
            onSoundBlocked={onSoundBlocked}
            onSpotlight={spotlightFromStrip}
          />
        )}
        {!selfInGrid && localPreview}
      </div>
      <CallControls
        local={call.local}
        onToggleMute={toggleMute}
        onToggleCamera={toggleCamera}
        onToggleShare={() => void calls.toggleScreenShare()}
        onHangUp={() => void calls.hangUp()}
        recording={
          controlsRecording(call, selfId)
            ? { active: call.recording?.state === 'recording', onToggle: () => void calls.toggleRecording() }
            : undefined
        }
      >
        <FloorControls />
      </CallControls>
    </main>
  );
}
