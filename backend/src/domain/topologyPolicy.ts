/**
 * When a call's media goes through the SFU (Janus) instead of peer to peer, and when a call is too big for
 * what the deployment can carry. Pure: the call service asks it under the call lock and acts on the answer.
 *
 * Two participants talk peer to peer; the join that makes a call bigger moves it to the SFU when one is
 * configured and reachable. A call on the SFU stays there when it shrinks back to two: moving back would
 * cost everyone a second freeze, and people come and go in group calls. Without a usable SFU a call may
 * still mesh three participants (each device sends two streams, which a desktop uplink carries).
 */
import {
  MAX_CALL_PARTICIPANTS,
  MAX_MESH_PARTICIPANTS,
  MAX_PARTICIPANTS_WITHOUT_SFU,
  type MediaTopology,
} from '../../../src/shared/protocol.ts';

export interface JoinSituation {
  /** Joined participants once this join is counted (the joiner included). */
  joinedAfter: number;
  currentTopology: MediaTopology;
  /** JANUS_URLS is set. */
  sfuConfigured: boolean;
  /** At least one configured instance is healthy now. */
  sfuReachable: boolean;
}

export interface Refusal {
  action: 'refuse';
  code: 'call_full' | 'unavailable';
  message: string;
}

export type JoinDecision = { action: 'stay' } | { action: 'move-to-sfu' } | Refusal;

export const CALL_FULL_MESSAGE = `the call already has ${MAX_CALL_PARTICIPANTS} participants`;
export const NEEDS_SFU_MESSAGE =
  `Group calls of more than ${MAX_PARTICIPANTS_WITHOUT_SFU} people need a media server (SFU); ` +
  'ask your administrator to configure JANUS_URLS';
export const SFU_UNREACHABLE_MESSAGE =
  `the media server is unreachable, so this call cannot grow beyond ${MAX_PARTICIPANTS_WITHOUT_SFU} ` +
  'participants for now; try again in a moment';

export function decideJoin(situation: JoinSituation): JoinDecision {
  const { joinedAfter, currentTopology, sfuConfigured, sfuReachable } = situation;
  if (joinedAfter > MAX_CALL_PARTICIPANTS) {
    return { action: 'refuse', code: 'call_full', message: CALL_FULL_MESSAGE };
  }
  if (currentTopology === 'sfu' || joinedAfter <= MAX_MESH_PARTICIPANTS) return { action: 'stay' };
  if (sfuConfigured && sfuReachable) return { action: 'move-to-sfu' };
  if (joinedAfter <= MAX_PARTICIPANTS_WITHOUT_SFU) return { action: 'stay' };
  return sfuConfigured
    ? { action: 'refuse', code: 'unavailable', message: SFU_UNREACHABLE_MESSAGE }
    : { action: 'refuse', code: 'call_full', message: NEEDS_SFU_MESSAGE };
}

/**
 * Starting a call: without an SFU configured, a call that could never hold all its invitees is refused at
 * once instead of failing at the fourth answer. With one configured (even if down right now) it may ring:
 * the SFU is asked again when the call grows.
 */
export function decideInitiate(situation: { participants: number; sfuConfigured: boolean }): Refusal | null {
  if (situation.participants > MAX_CALL_PARTICIPANTS) {
    return { action: 'refuse', code: 'call_full', message: CALL_FULL_MESSAGE };
  }
  if (!situation.sfuConfigured && situation.participants > MAX_PARTICIPANTS_WITHOUT_SFU) {
    return { action: 'refuse', code: 'call_full', message: NEEDS_SFU_MESSAGE };
  }
  return null;
}
