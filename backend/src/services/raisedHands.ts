/**
 * Extra: who may raise or lower whose hand. Everyone in the call raises and lowers their own; the host (the
 * call's initiator) may also lower anyone's, e.g. after giving them the floor. Nobody raises someone else's.
 */
export type HandRefusal =
  { code: 'forbidden'; message: string } | { code: 'conflict'; message: string } | null;

export function checkHandChange(change: {
  actorId: string;
  targetId: string;
  raised: boolean;
  hostId: string;
  targetJoined: boolean;
}): HandRefusal {
  if (change.targetId !== change.actorId) {
    if (change.raised) return { code: 'forbidden', message: "you cannot raise someone else's hand" };
    if (change.actorId !== change.hostId) {
      return { code: 'forbidden', message: "only the host can lower someone else's hand" };
    }
  }
  if (!change.targetJoined) return { code: 'conflict', message: 'that participant is not in the call' };
  return null;
}
