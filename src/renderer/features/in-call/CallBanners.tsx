import { PERSISTENT_RELAY_FAILURES } from '../../call/mediaErrors.ts';
import type { CurrentCall } from '../../store/call.reducer.ts';
import { troubledOthers } from '../../store/callMembers.ts';
import type { CallMember } from '../../store/callMembers.ts';
import { Icon } from '../../ui/Icon.tsx';

/**
 * Past this many peers in trouble one banner speaks for all: in a group call through the media server one
 * lost connection troubles everyone at once, and a column of identical banners would push the call away.
 */
const MAX_PEER_BANNERS = 2;

function GroupProblemBanner({
  troubled,
  onRetryPeer,
}: {
  troubled: readonly CallMember[];
  onRetryPeer: (userId: string) => void;
}) {
  const failed = troubled.filter((p) => p.connection === 'failed');
  const reconnecting = troubled.length - failed.length;
  const parts = [
    reconnecting > 0 ? `Reconnecting to ${reconnecting} people…` : '',
    failed.length > 0 ? `Could not reconnect to ${failed.length} people.` : '',
  ].filter(Boolean);
  return (
    <div
      className={failed.length > 0 ? 'banner banner-error' : 'banner banner-warning'}
      role="status"
      data-testid="peer-problem"
      data-count={troubled.length}
    >
      <Icon name={failed.length > 0 ? 'alert' : 'refresh'} />
      <div className="banner-text">
        <span>{parts.join(' ')}</span>
      </div>
      {failed.length > 0 && (
        <button className="btn btn-small" onClick={() => failed.forEach((p) => onRetryPeer(p.userId))}>
          Try again
        </button>
      )}
    </div>
  );
}

/**
 * Everything about the call the user must know right now, worst first: media blocked (with the way out),
 * relay (TURN) trouble, peers reconnecting or unreachable, own screen share, sound held back by autoplay.
 */
export function CallBanners({
  call,
  soundBlocked,
  onRetryMedia,
  onRetryPeer,
  onStopSharing,
  onEnableSound,
}: {
  call: CurrentCall;
  soundBlocked: boolean;
  onRetryMedia: (audioOnly: boolean) => void;
  onRetryPeer: (userId: string) => void;
  onStopSharing: () => void;
  onEnableSound: () => void;
}) {
  const { mediaProblem, relayProblem } = call;
  const relayShown =
    relayProblem &&
    (relayProblem.kind === 'turn-auth-failed' || relayProblem.count >= PERSISTENT_RELAY_FAILURES);
  const troubled = troubledOthers(call);

  return (
    <div className="banners">
      {mediaProblem && (
        <div
          className="banner banner-error"
          role="alert"
          data-testid="media-problem"
          data-kind={mediaProblem.kind}
        >
          <Icon name="alert" />
          <div className="banner-text">
            <strong>
              {mediaProblem.kind === 'media-denied'
                ? 'Camera or microphone blocked'
                : 'No camera or microphone'}
            </strong>
            <span>{mediaProblem.message}</span>
          </div>
          <button className="btn btn-small" onClick={() => onRetryMedia(false)} data-testid="retry-media">
            Try again
          </button>
          <button
            className="btn btn-small btn-ghost"
            onClick={() => onRetryMedia(true)}
            data-testid="audio-only"
          >
            Audio only
          </button>
        </div>
      )}
      {relayShown && (
        <div
          className="banner banner-error"
          role="alert"
          data-testid="relay-problem"
          data-kind={relayProblem.kind}
        >
          <Icon name="alert" />
          <div className="banner-text">
            <strong>
              {relayProblem.kind === 'turn-auth-failed'
                ? 'Relay server refused the connection'
                : 'Relay credentials keep expiring'}
            </strong>
            <span>
              {relayProblem.kind === 'turn-auth-failed'
                ? relayProblem.message
                : 'New credentials were fetched several times and still fail. The call may drop on networks that need a relay.'}
            </span>
          </div>
        </div>
      )}
      {troubled.length > MAX_PEER_BANNERS && (
        <GroupProblemBanner troubled={troubled} onRetryPeer={onRetryPeer} />
      )}
      {troubled.length <= MAX_PEER_BANNERS &&
        troubled.map((p) => (
          <div
            key={p.userId}
            className={p.connection === 'failed' ? 'banner banner-error' : 'banner banner-warning'}
            role="status"
            data-testid="peer-problem"
          >
            <Icon name={p.connection === 'failed' ? 'alert' : 'refresh'} />
            <div className="banner-text">
              {p.connection === 'failed' ? (
                <span>{p.problem ?? `Could not reconnect to ${p.name}.`}</span>
              ) : (
                <span>Connection to {p.name} lost. Reconnecting…</span>
              )}
            </div>
            {p.connection === 'failed' && (
              <button className="btn btn-small" onClick={() => onRetryPeer(p.userId)}>
                Try again
              </button>
            )}
          </div>
        ))}
      {call.local.screenSharing && (
        <div className="banner banner-accent" role="status" data-testid="sharing-banner">
          <Icon name="screen" />
          <div className="banner-text">
            <strong>You are sharing your screen</strong>
          </div>
          <button className="btn btn-small" onClick={onStopSharing}>
            Stop sharing
          </button>
        </div>
      )}
      {soundBlocked && (
        <div className="banner banner-warning" role="status">
          <div className="banner-text">
            <span>The browser paused the call audio.</span>
          </div>
          <button className="btn btn-small" onClick={onEnableSound} data-testid="enable-sound">
            Turn sound on
          </button>
        </div>
      )}
    </div>
  );
}
