/**
 * This device's ring: the incoming call, the connection made to the caller's offer while it rings (instant
 * answer), glare between two calls, answering, declining, and the ring's end (answered on another device,
 * missed, cancelled, or the call ended).
 */
import type {
  CallEndedEvent,
  HandledElsewhereEvent,
  CallIncomingEvent,
} from '../../shared/protocol/index.ts';
import { ApiRequestError, errorMessage } from '../signaling/restClient.ts';
import type { IncomingCall } from '../store/call.reducer.ts';
import { othersOf } from '../store/callMembers.ts';
import type { CallFlowParts } from './callFlowParts.ts';
import { recordCall } from './callFlowParts.ts';
import { currentCall, dispatchCall, toast } from './callContext.ts';
import { endedInFailure, endedText, handledElsewhereText, missedCallText, titleOf } from './callMessages.ts';
import { glareDecision } from './glare.ts';
import type { JoinFlow } from './joinFlow.ts';
import type { SignalEvent } from './signalQueue.ts';

export class RingFlow {
  readonly #parts: CallFlowParts;
  readonly #join: JoinFlow;

  constructor(parts: CallFlowParts, join: JoinFlow) {
    this.#parts = parts;
    this.#join = join;
  }

  onIncoming(e: CallIncomingEvent): void {
    this.#parts.iceServers.warm();
    dispatchCall(this.#parts.ctx, { type: 'incoming-received', event: e });
    // The caller's offer may have outrun the ring (another server node relayed it).
    if (this.#parts.host.hasHeldPreconnectOffer(e.callId)) this.#preconnect(e.callId);
    void this.resolveGlare();
  }

  /** A signal for the engine; one for a call still ringing here is held and connects the ring. */
  onSignal(signal: SignalEvent): void {
    if (this.#parts.host.route(signal) === 'held-preconnect') this.#preconnect(signal.event.callId);
  }

  onHandledElsewhere(e: HandledElsewhereEvent): void {
    if (this.#parts.deps.store.getState().call.incoming?.callId !== e.callId) return;
    dispatchCall(this.#parts.ctx, { type: 'incoming-cleared', callId: e.callId });
    this.#dropPreconnection(e.callId);
    toast(this.#parts.ctx, 'info', handledElsewhereText(e.action));
  }

  onEnded(e: CallEndedEvent): void {
    const { deps, host } = this.#parts;
    const state = deps.store.getState().call;
    if (state.incoming?.callId === e.callId) {
      if (e.reason === 'missed' || e.reason === 'cancelled') this.announceMissed(state.incoming);
      else dispatchCall(this.#parts.ctx, { type: 'incoming-cleared', callId: e.callId });
    }
    this.#dropPreconnection(e.callId);
    host.forgetSignals(e.callId);
    const call = currentCall(this.#parts.ctx, e.callId);
    if (call) {
      this.#join.finish(call, e.reason);
      toast(this.#parts.ctx, endedInFailure(e.reason) ? 'error' : 'info', endedText(e.reason, call.title));
    }
    deps.onCallSettled?.();
  }

  async answer(withVideo: boolean): Promise<void> {
    const { deps } = this.#parts;
    const incoming = deps.store.getState().call.incoming;
    if (!incoming) return;
    if (deps.store.getState().call.current) await this.#join.hangUp();
    const video = withVideo && incoming.type !== 'audio';
    // Before the call screen renders: the caller starts sending once the server has the answer, and the
    // request goes out ahead of what entering the call asks of the server (the call's snapshot, its hands).
    const answered = this.#join.answerOnServer(incoming.callId);
    dispatchCall(this.#parts.ctx, {
      type: 'incoming-answered',
      title: titleOf(
        othersOf(incoming).map((p) => p.name),
        incoming.callerName,
      ),
      local: { audioEnabled: true, videoEnabled: video, screenSharing: false },
    });
    await this.#join.join(
      incoming.callId,
      { audioEnabled: true, videoEnabled: video, screenSharing: false },
      answered,
    );
  }

  async decline(): Promise<void> {
    const { deps } = this.#parts;
    const incoming = deps.store.getState().call.incoming;
    if (!incoming) return;
    dispatchCall(this.#parts.ctx, { type: 'incoming-cleared', callId: incoming.callId });
    this.#dropPreconnection(incoming.callId);
    try {
      await deps.api.rejectCall(incoming.callId);
    } catch (error) {
      // Declining a call that was cancelled meanwhile is no failure worth telling.
      if (!(error instanceof ApiRequestError && error.code === 'conflict')) {
        toast(this.#parts.ctx, 'error', `Could not decline: ${errorMessage(error)}`);
      }
    }
    deps.onCallSettled?.();
    recordCall(this.#parts, { kind: 'declined', incoming });
  }

  /**
   * Glare (see glare.ts): resolves true when it moved this client into the other call, which it then answers;
   * the winner of the two calls hides the losing call's ring.
   */
  async resolveGlare(): Promise<boolean> {
    const state = this.#parts.deps.store.getState().call;
    const decision = glareDecision(state);
    if (decision === 'none' || !state.current) return false;
    if (decision === 'keep-mine') {
      const losing = state.incoming!.callId;
      dispatchCall(this.#parts.ctx, { type: 'incoming-cleared', callId: losing });
      this.#dropPreconnection(losing);
      return false;
    }
    await this.answer(state.current.local.videoEnabled);
    return true;
  }

  /**
   * Stops the ring of a call I did not pick up and announces it: notification (desktop / browser), a notice in
   * the app, the local history. Clearing the ring first makes a second report of the same call a no-op.
   */
  announceMissed(incoming: IncomingCall): void {
    const { callId, type } = incoming;
    dispatchCall(this.#parts.ctx, { type: 'incoming-cleared', callId });
    this.#dropPreconnection(callId);
    void this.#parts.deps.desktop.notifyMissedCall({ callId, callerName: incoming.callerName, type });
    toast(this.#parts.ctx, 'warning', missedCallText(type, incoming.callerName));
    recordCall(this.#parts, { kind: 'missed', incoming });
  }

  /**
   * The caller's offer reached this ringing device: it is answered and connected now, sending nothing until
   * the user answers (see JoinFlow.join). Not while in another call: the offer then waits for the answer.
   */
  #preconnect(callId: string): void {
    const { current, incoming } = this.#parts.deps.store.getState().call;
    if (current || this.#parts.host.engine || incoming?.callId !== callId) return;
    this.#join.createEngine(callId, undefined, { audio: true, video: incoming.type !== 'audio' });
  }

  /** Answered elsewhere, declined, missed or cancelled: the connection made while ringing goes. */
  #dropPreconnection(callId: string): void {
    const { host } = this.#parts;
    if (host.engineOf(callId) && !currentCall(this.#parts.ctx, callId)) host.teardown();
  }
}
