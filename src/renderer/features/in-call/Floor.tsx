/** Extra: raised hands and reactions in the call screen (see call/callFloor.ts for the behaviour). */
import { useState } from 'react';
import { REACTIONS } from '../../../shared/protocol/index.ts';
import { useAppStore, useSession } from '../../app/context.ts';
import type { CurrentCall } from '../../store/call.reducer.ts';
import { nameOf } from '../../store/callMembers.ts';

const HAND = '✋';

/** Raise/lower my hand and send a reaction; next to the other call controls. */
export function FloorControls() {
  const { floor, selfId } = useSession();
  const handUp = useAppStore((s) => s.groupCall.hands.includes(selfId));
  const [picking, setPicking] = useState(false);
  return (
    <>
      <button
        className={['control', handUp ? 'control-accent' : ''].join(' ')}
        onClick={() => void floor.setHand(!handUp)}
        title={handUp ? 'Lower your hand' : 'Raise your hand'}
        aria-label={handUp ? 'Lower your hand' : 'Raise your hand'}
        aria-pressed={handUp}
        data-testid="toggle-hand"
      >
        <span className="control-emoji" aria-hidden>
          {HAND}
        </span>
      </button>
      <div className="control-popover-anchor">
        <button
          className="control"
          onClick={() => setPicking((open) => !open)}
          title="Send a reaction"
          aria-label="Send a reaction"
          aria-expanded={picking}
          data-testid="reactions"
        >
          <span className="control-emoji" aria-hidden>
            🙂
          </span>
        </button>
        {picking && (
          <div className="popover reaction-picker" role="menu" aria-label="Reactions">
            {REACTIONS.map((reaction) => (
              <button
                key={reaction}
                role="menuitem"
                className="reaction-choice"
                onClick={() => {
                  setPicking(false);
                  void floor.react(reaction);
                }}
                data-testid="reaction-choice"
                data-reaction={reaction}
              >
                {reaction}
              </button>
            ))}
          </div>
        )}
      </div>
    </>
  );
}

/** The raised hands in order; the host (and each person for their own) can lower them from here. */
export function HandQueue({ call }: { call: CurrentCall }) {
  const { floor, selfId } = useSession();
  const hands = useAppStore((s) => s.groupCall.hands);
  const me = useAppStore((s) => s.session.user);
  if (hands.length === 0) return null;
  const host = call.initiatedBy === selfId;
  const handOwner = (userId: string) => (userId === selfId ? (me?.name ?? 'You') : nameOf(call, userId));
  return (
    <ol className="hand-queue" aria-label="Raised hands" data-testid="hand-queue">
      {hands.map((userId) => (
        <li key={userId} data-testid="hand-queue-entry" data-user-id={userId}>
          <span aria-hidden>{HAND}</span> {handOwner(userId)}
          {userId === selfId && ' (you)'}
          {(host || userId === selfId) && (
            <button
              className="btn btn-ghost btn-small"
              onClick={() => void floor.setHand(false, userId)}
              data-testid="lower-hand"
            >
              Lower
            </button>
          )}
        </li>
      ))}
    </ol>
  );
}

/**
 * The person's raised hand and place in the queue, wherever they are shown: on a stage tile or in the
 * offstage strip (someone off the stage raises a hand precisely to be noticed).
 */
export function HandBadge({
  userId,
  className,
  testId,
}: {
  userId: string;
  className: string;
  testId: string;
}) {
  const place = useAppStore((s) => s.groupCall.hands.indexOf(userId));
  if (place < 0) return null;
  return (
    <span className={className} title={`Hand raised (${place + 1} in line)`} data-testid={testId}>
      {HAND} {place + 1}
    </span>
  );
}

/** On a tile: the person's place in the hand queue, and their reaction while it shows. */
export function TileFloor({ userId }: { userId: string }) {
  const shown = useAppStore((s) => s.groupCall.reactions[userId]);
  return (
    <>
      <HandBadge userId={userId} className="tile-hand" testId="tile-hand" />
      {shown && (
        <span
          key={shown.id}
          className="tile-reaction"
          data-testid="tile-reaction"
          data-reaction={shown.reaction}
        >
          {shown.reaction}
        </span>
      )}
    </>
  );
}
