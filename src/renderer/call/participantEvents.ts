/**
 * The server's news about the people in the call on screen and about the call itself (who joined, left,
 * declined or did not answer, media state, recording, reconnects): into the store, the engine and a notice.
 */
import type { SignalingClient } from '../signaling/socketClient.ts';
import type { IncomingCall } from '../store/call.reducer.ts';
import { nameOf, otherCount } from '../store/callMembers.ts';
import type { CallContext } from './callContext.ts';
import { currentCall, dispatchCall, toast } from './callContext.ts';
import {
  declinedText,
  joinedText,
  leftText,
  notAnsweredText,
  RECORDING_STOPPED,
  recordingNotice,
} from './callMessages.ts';

export interface ParticipantEventFlow {
  /** Refreshes the call from the server (see CallController.#sync). */
  sync(callId: string): void;
  /** This device's ring went unanswered. */
  announceMissed(incoming: IncomingCall): void;
}

/** Returns the unsubscribes. */
export function subscribeParticipantEvents(
  signaling: SignalingClient,
  ctx: CallContext,
  flow: ParticipantEventFlow,
): (() => void)[] {
  const { selfId, host, media } = ctx;
  return [
    signaling.on('call:recording', (e) => {
      const call = currentCall(ctx, e.callId);
      if (!call) return;
      const { state, byUserId, message } = e;
      dispatchCall(ctx, {
        type: 'recording-changed',
        callId: e.callId,
        recording: { state, byUserId, message },
      });
      if (message !== null) toast(ctx, 'warning', message);
      else if (state === 'recording') toast(ctx, 'info', recordingNotice(call, byUserId, selfId));
      else toast(ctx, 'info', RECORDING_STOPPED);
    }),
    signaling.on('call:participant-joined', (e) => {
      const call = currentCall(ctx, e.callId);
      if (!call) return;
      dispatchCall(ctx, { type: 'participant-joined', event: e });
      // On the media server nobody offers to anyone: the engine only learns whom to expect. On the mesh the
      // initiator's connection to the device that answered carries the call from now on (or is made now).
      const engine = host.engineOf(e.callId);
      if (engine?.route.topology === 'sfu') engine.connectToPeer(e.userId);
      else if (call.initiatedBy === selfId)
        engine?.peerAnswered(e.userId, e.deviceId, { awaitsOffer: e.awaitsOffer === true });
      // In a 1:1 call the picture appearing says it; in a group the others want to know who came.
      if (otherCount(call) > 1) toast(ctx, 'info', joinedText(e.userName));
      // The joined event carries no start time; the call's snapshot does.
      if (call.startedAt === null) flow.sync(e.callId);
    }),
    signaling.on('call:participant-left', (e) => {
      const call = currentCall(ctx, e.callId);
      if (!call) return;
      host.engine?.removePeer(e.userId);
      media.set(e.userId, null);
      dispatchCall(ctx, {
        type: 'participant-status',
        callId: e.callId,
        userIds: [e.userId],
        status: 'left',
      });
      toast(ctx, 'info', leftText(nameOf(call, e.userId)));
    }),
    signaling.on('call:participant-rejected', (e) => {
      const call = currentCall(ctx, e.callId);
      if (!call) return;
      dispatchCall(ctx, {
        type: 'participant-status',
        callId: e.callId,
        userIds: [e.userId],
        status: 'rejected',
      });
      // In a 1:1 call the call:ended that follows says it; in a group the call goes on and this is the news.
      if (otherCount(call) > 1) toast(ctx, 'info', declinedText(nameOf(call, e.userId)));
    }),
    signaling.on('call:participants-missed', (e) => {
      const incoming = ctx.store.getState().call.incoming;
      if (incoming?.callId === e.callId && e.userIds.includes(selfId)) flow.announceMissed(incoming);
      const call = currentCall(ctx, e.callId);
      if (!call) return;
      dispatchCall(ctx, {
        type: 'participant-status',
        callId: e.callId,
        userIds: e.userIds,
        status: 'missed',
      });
      if (otherCount(call) > 1) {
        const names = e.userIds.filter((id) => id !== selfId).map((id) => nameOf(call, id));
        if (names.length > 0) toast(ctx, 'info', notAnsweredText(names));
      }
    }),
    signaling.on('call:media-state-changed', (e) =>
      dispatchCall(ctx, { type: 'media-state-changed', event: e }),
    ),
    signaling.on('call:participant-reconnected', (e) => {
      const engine = host.engineOf(e.callId);
      if (!engine || e.userId === selfId) return;
      engine.resetPeer(e.userId);
      // On a mesh their old stream died with the connection. Through the media server it lives on until
      // the room's next offer replaces it (a socket reconnect alone changes nothing there).
      if (engine.route.topology !== 'sfu') media.set(e.userId, null);
    }),
  ];
}
