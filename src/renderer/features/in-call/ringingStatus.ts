import { othersOf } from '../../store/callMembers.ts';
import type { WithMembers } from '../../store/callMembers.ts';

/**
 * What the caller reads while a call rings. In a 1:1 call the connection to the callee's ringing device is
 * made meanwhile (instant answer), so the caller sees it connect, and a callee who cannot be reached is
 * told now rather than after they answer.
 */
export function ringingStatus(call: WithMembers): string {
  const others = othersOf(call);
  const callee = others.length === 1 ? others[0] : undefined;
  switch (callee?.connection) {
    case 'connecting':
    case 'reconnecting':
      return 'Connecting…';
    case 'connected':
      return 'Ringing…';
    case 'failed':
      return `Can't reach ${callee.name}`;
    default:
      return 'Calling…';
  }
}
