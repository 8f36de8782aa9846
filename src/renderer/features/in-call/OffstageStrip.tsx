import type { CallMember } from '../../store/callMembers.ts';
import { Avatar } from '../../ui/Avatar.tsx';
import { Icon } from '../../ui/Icon.tsx';
import { HandBadge } from './Floor.tsx';
import { useMediaElement, useStream } from './hooks.ts';

function OffstagePerson({
  participant,
  speaking,
  sinkId,
  soundEpoch,
  onSoundBlocked,
  onSpotlight,
}: {
  participant: CallMember;
  speaking: boolean;
  sinkId: string | null;
  soundEpoch: number;
  onSoundBlocked: () => void;
  onSpotlight: (userId: string) => void;
}) {
  // No tile, no video: but everyone in the call is heard, so their audio plays from a hidden element.
  const stream = useStream(participant.userId);
  const audioRef = useMediaElement<HTMLAudioElement>(stream, {
    muted: false,
    sinkId,
    soundEpoch,
    onSoundBlocked,
  });
  const muted = !participant.mediaState.audioEnabled;
  return (
    <li
      className={speaking ? 'offstage-person speaking' : 'offstage-person'}
      data-testid="offstage-participant"
      data-user-id={participant.userId}
      data-speaking={speaking}
    >
      <button
        type="button"
        className="offstage-button"
        aria-label={`Spotlight ${participant.name}`}
        title={muted ? `${participant.name} (muted)` : participant.name}
        onClick={() => onSpotlight(participant.userId)}
      >
        <Avatar name={participant.name} seed={participant.userId} size="sm" />
        {muted && (
          <span className="offstage-muted" aria-hidden="true">
            <Icon name="micOff" size={10} />
          </span>
        )}
        <HandBadge userId={participant.userId} className="offstage-hand" testId="offstage-hand" />
      </button>
      <audio ref={audioRef} autoPlay />
    </li>
  );
}

/**
 * The participants the grid has no room for: an avatar each (lit while they speak, a click spotlights them),
 * no video. They come on stage when they speak for a moment (see stageSelection.ts).
 */
export function OffstageStrip({
  participants,
  activeSpeakerId,
  sinkId,
  soundEpoch,
  onSoundBlocked,
  onSpotlight,
}: {
  participants: readonly CallMember[];
  activeSpeakerId: string | null;
  sinkId: string | null;
  soundEpoch: number;
  onSoundBlocked: () => void;
  onSpotlight: (userId: string) => void;
}) {
  const count = participants.length;
  return (
    <section
      className="offstage"
      data-testid="more-participants"
      data-count={count}
      aria-label={`${count} more ${count === 1 ? 'participant' : 'participants'}`}
    >
      <span className="offstage-count">+{count} more</span>
      <ul className="offstage-list">
        {participants.map((p) => (
          <OffstagePerson
            key={p.userId}
            participant={p}
            speaking={activeSpeakerId === p.userId}
            sinkId={sinkId}
            soundEpoch={soundEpoch}
            onSoundBlocked={onSoundBlocked}
            onSpotlight={onSpotlight}
          />
        ))}
      </ul>
    </section>
  );
}
