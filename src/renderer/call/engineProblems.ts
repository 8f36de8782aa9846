import type { CallEngineErrorEvent } from '../webrtc/index.ts';
import type { CallContext } from './callContext.ts';
import { dispatchCall, toast } from './callContext.ts';
import { nameOf } from '../store/callMembers.ts';
import { peerProblemText, RELAY_PROBLEM_TEXT } from './mediaErrors.ts';

/** An engine failure onto the call's screen: where the user sees it depends on what failed. */
export function showEngineProblem(ctx: CallContext, e: CallEngineErrorEvent): void {
  const call = ctx.store.getState().call.current;
  switch (e.kind) {
    case 'media-denied':
    case 'media-unavailable':
      dispatchCall(ctx, { type: 'media-problem', problem: { kind: e.kind, message: e.message } });
      return;
    case 'ice-failed':
    case 'connection-lost':
      if (e.userId && call) {
        const message = peerProblemText(e.kind, nameOf(call, e.userId));
        dispatchCall(ctx, { type: 'peer-problem', userId: e.userId, message });
      }
      return;
    case 'turn-expired':
    case 'turn-auth-failed':
      dispatchCall(ctx, { type: 'relay-problem', kind: e.kind, message: RELAY_PROBLEM_TEXT[e.kind] });
      return;
    case 'screen-share-failed':
      toast(ctx, 'warning', e.message);
      return;
  }
}
