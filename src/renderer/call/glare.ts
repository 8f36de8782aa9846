import type { CallState } from '../store/call.reducer.ts';
import { memberCount, othersOf } from '../store/callMembers.ts';

/**
 * Glare: I am calling someone in a conversation whose call to me arrives at the same moment. Both clients
 * keep the call with the smaller id, so they end up in the same call without asking anyone: the side whose
 * own call lost cancels it and answers the other one ('answer-theirs'); the winner hides the losing call's
 * ring ('keep-mine'). Pure.
 */
export function glareDecision({ current, incoming }: CallState): 'none' | 'keep-mine' | 'answer-theirs' {
  if (!current || !incoming || current.direction !== 'outgoing' || current.phase !== 'ringing') return 'none';
  // Two people starting a 1:1 conversation at once can each create one, so 1:1 calls match by person.
  const sameConversation = current.conversationId === incoming.conversationId;
  const others = othersOf(current);
  const samePerson =
    others.length === 1 && others[0]?.userId === incoming.initiatedBy && memberCount(incoming) === 2;
  if (!sameConversation && !samePerson) return 'none';
  return current.callId < incoming.callId ? 'keep-mine' : 'answer-theirs';
}
