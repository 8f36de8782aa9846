import { Avatar } from '../../ui/Avatar.tsx';
import { Icon } from '../../ui/Icon.tsx';
import { LOCAL_MEDIA, LOCAL_SCREEN } from '../../call/mediaRegistry.ts';
import type { CallMember } from '../../store/callMembers.ts';
import type { MediaState } from '../../../shared/protocol/index.ts';
import { useStream, useVideoElement } from './hooks.ts';
import { TileFloor } from './Floor.tsx';
import { QualityIndicator } from './QualityIndicator.tsx';

function MediaBadges({ media }: { media: MediaState }) {
  return (
    <>
      {!media.audioEnabled && (
        <span className="tile-badge badge-danger" title="Muted" data-testid="badge-muted">
          <Icon name="micOff" size={14} />
        </span>
      )}
      {!media.videoEnabled && !media.screenSharing && (
        <span className="tile-badge" title="Camera off" data-testid="badge-camera-off">
          <Icon name="videoOff" size={14} />
        </span>
      )}
      {media.screenSharing && (
        <span className="tile-badge badge-accent" title="Sharing their screen" data-testid="badge-sharing">
          <Icon name="screen" size={14} />
        </span>
      )}
    </>
  );
}

export const sendsMedia = (media: MediaState) =>
  media.audioEnabled || media.videoEnabled || media.screenSharing;

/** Whether their send ladder paused their video toward `viewerId` because of a poor connection. */
export const videoPausedToward = (media: MediaState, viewerId: string) =>
  (media.videoPausedFor ?? []).includes(viewerId);

const STATUS_TEXT: Partial<Record<string, string>> = {
  invited: 'Calling…',
  ringing: 'Ringing…',
};

export function RemoteTile({
  participant,
  speaking,
  sinkId,
  soundEpoch,
  onSoundBlocked,
  onRetry,
  spotlit = false,
  onToggleSpotlight,
  tileRef,
  videoPaused = false,
}: {
  participant: CallMember;
  speaking: boolean;
  sinkId: string | null;
  soundEpoch: number;
  onSoundBlocked: () => void;
  onRetry: (userId: string) => void;
  /** Shown big, the others as thumbnails (and so sent at the high simulcast layer through the SFU). */
  spotlit?: boolean;
  /** Group calls: clicking the tile (or Enter/Space on it) spotlights it, and again returns to the grid. */
  onToggleSpotlight?: (userId: string) => void;
  /** Measures the tile for the media server's layer choice (see tileMeasurer.ts). */
  tileRef?: (element: HTMLElement | null) => void;
  /** Their video toward us is paused by a poor connection (videoPausedToward). */
  videoPaused?: boolean;
}) {
  const stream = useStream(participant.userId);
  const videoRef = useVideoElement(stream, { muted: false, sinkId, soundEpoch, onSoundBlocked });
  const { mediaState, connection, problem } = participant;
  const pending = STATUS_TEXT[participant.status];
  // Until the connection is up the stream has no frames, nor while a callee's device rings (it is connected
  // already but sends nothing before the answer): the avatar beats a black box.
  const mediaUp = pending === undefined && (connection === 'connected' || connection === 'reconnecting');
  // A paused video would show its last frame, frozen: the avatar and the notice say what is going on.
  const showsVideo =
    stream !== null && mediaUp && !videoPaused && (mediaState.videoEnabled || mediaState.screenSharing);
  // Someone with no microphone and no camera (or both off) sends nothing to connect: on the media server
  // they never get a stream at all. They are in the call all the same, shown by avatar and badges.
  const sendsNothing = participant.status === 'joined' && !sendsMedia(mediaState);
  const overlay =
    pending ??
    (connection === 'reconnecting'
      ? 'Reconnecting…'
      : connection === 'failed'
        ? (problem ?? 'Connection failed')
        : (connection === 'connecting' || connection === null) && !sendsNothing
          ? 'Connecting…'
          : null);

  return (
    <div
      ref={tileRef}
      className={[
        'tile',
        speaking ? 'speaking' : '',
        mediaState.screenSharing ? 'screen' : '',
        spotlit ? 'spotlit' : '',
      ].join(' ')}
      data-testid="remote-tile"
      data-user-id={participant.userId}
      data-name={participant.name}
      data-speaking={speaking}
      data-spotlit={spotlit}
      data-sends-media={!sendsNothing}
    >
      <video
        ref={videoRef}
        autoPlay
        playsInline
        className={showsVideo ? 'tile-video' : 'tile-video hidden'}
        data-remote={participant.userId}
      />
      {!showsVideo && (
        <div className="tile-placeholder">
          <Avatar name={participant.name} seed={participant.userId} size="lg" />
        </div>
      )}
      {onToggleSpotlight && (
        // The whole tile is the button (under the status, name and quality, which stay readable and clickable).
        <button
          type="button"
          className="tile-hit"
          aria-label={`Spotlight ${participant.name}`}
          aria-pressed={spotlit}
          title={spotlit ? 'Back to the grid (Esc)' : `Show ${participant.name} large`}
          data-testid="spotlight"
          onClick={() => onToggleSpotlight(participant.userId)}
        />
      )}
      {overlay && (
        <div className={connection === 'failed' ? 'tile-status tile-status-error' : 'tile-status'}>
          <span>{overlay}</span>
          {connection === 'failed' && (
            <button className="btn btn-small" onClick={() => onRetry(participant.userId)}>
              Try again
            </button>
          )}
        </div>
      )}
      <div className="tile-footer">
        <span className="tile-name">{participant.name}</span>
        <MediaBadges media={mediaState} />
      </div>
      <div className="tile-corner">
        {/* The last sample of a connection that is down would claim a quality nobody is getting. */}
        <QualityIndicator sample={connection === 'connected' ? participant.quality : null} />
        {videoPaused && mediaState.videoEnabled && (
          <span className="video-paused" role="status" data-testid="peer-video-paused">
            Video paused: poor connection
          </span>
        )}
      </div>
      <TileFloor userId={participant.userId} />
    </div>
  );
}

export function LocalPreview({
  name,
  seed,
  media,
  speaking,
  inGrid,
}: {
  name: string;
  seed: string;
  media: MediaState;
  speaking: boolean;
  /** A grid cell in group calls, a floating picture-in-picture in 1:1 calls. */
  inGrid: boolean;
}) {
  const camera = useStream(LOCAL_MEDIA);
  const screen = useStream(LOCAL_SCREEN);
  const stream = media.screenSharing && screen ? screen : camera;
  const videoRef = useVideoElement(stream, { muted: true });
  const showsVideo = stream !== null && (media.videoEnabled || media.screenSharing);
  return (
    <div
      className={[
        inGrid ? 'tile local' : 'local-preview',
        speaking ? 'speaking' : '',
        media.screenSharing ? 'screen' : '',
      ].join(' ')}
      data-testid="local-preview"
    >
      <video
        ref={videoRef}
        autoPlay
        playsInline
        muted
        className={showsVideo ? 'tile-video' : 'tile-video hidden'}
      />
      {!showsVideo && (
        <div className="tile-placeholder">
          <Avatar name={name} seed={seed} size={inGrid ? 'lg' : 'md'} />
        </div>
      )}
      <div className="tile-footer">
        <span className="tile-name">You</span>
        <MediaBadges media={media} />
      </div>
      <TileFloor userId={seed} />
    </div>
  );
}
