import { useEffect } from 'react';
import { useAppStore, useSession } from '../../app/context.ts';
import { othersOf } from '../../store/callMembers.ts';
import { Avatar } from '../../ui/Avatar.tsx';
import { Icon } from '../../ui/Icon.tsx';
import { startRingtone } from '../../ui/ringtone.ts';

export function IncomingCallScreen() {
  const { calls } = useSession();
  const incoming = useAppStore((s) => s.call.incoming);
  const inCall = useAppStore((s) => s.call.current !== null);
  const ringtone = useAppStore((s) => s.settings?.ringtone ?? 'classic');
  const silent = useAppStore((s) => s.settings?.doNotDisturb ?? false);
  const speakerId = useAppStore((s) => s.settings?.preferredSpeakerId ?? null);

  // Rings for as long as this screen is up: answered, declined, answered elsewhere, cancelled and missed all
  // clear the incoming call, which unmounts the screen and stops the sound.
  useEffect(() => {
    if (silent || ringtone === 'none') return;
    return startRingtone(ringtone, speakerId);
  }, [ringtone, silent, speakerId]);

  if (!incoming) return null;
  const others = othersOf(incoming)
    .filter((p) => p.userId !== incoming.initiatedBy)
    .map((p) => p.name);
  const video = incoming.type !== 'audio';

  return (
    <div
      className="incoming-backdrop"
      role="alertdialog"
      aria-label={`Incoming call from ${incoming.callerName}`}
      data-testid="incoming-call"
    >
      <div className="incoming-card">
        <div className="incoming-avatar">
          <span className="ring-pulse" aria-hidden="true" />
          <Avatar name={incoming.callerName} seed={incoming.initiatedBy} size="xl" />
        </div>
        <p className="incoming-kind">
          <Icon name={video ? 'video' : 'phone'} size={16} /> Incoming {incoming.type} call
          {others.length > 0 ? ' · group' : ''}
        </p>
        <h2 className="incoming-name" data-testid="incoming-caller">
          {incoming.callerName}
        </h2>
        {others.length > 0 && <p className="muted">with {others.join(', ')}</p>}
        {inCall && <p className="muted">Answering ends your current call.</p>}
        {silent && <p className="muted">Do not disturb is on: this call is not ringing.</p>}
        <div className="incoming-actions">
          <button
            className="round-btn round-btn-danger"
            onClick={() => void calls.decline()}
            aria-label="Decline"
            data-testid="decline"
          >
            <Icon name="hangUp" size={26} />
            <span>Decline</span>
          </button>
          <button
            className={video ? 'round-btn round-btn-secondary' : 'round-btn round-btn-success'}
            onClick={() => void calls.answer(false)}
            aria-label={video ? 'Answer with audio only' : 'Answer'}
            data-testid="answer-audio"
          >
            <Icon name="phone" size={26} />
            <span>{video ? 'Audio' : 'Answer'}</span>
          </button>
          {video && (
            <button
              className="round-btn round-btn-success"
              onClick={() => void calls.answer(true)}
              aria-label="Answer with video"
              data-testid="answer-video"
            >
              <Icon name="video" size={26} />
              <span>Video</span>
            </button>
          )}
        </div>
      </div>
    </div>
  );
}
