/**
 * This device's ring: the incoming call, the connection made to the caller's offer while it rings (instant
 * answer), glare between two calls, answering, declining, and the ring's end (answered on another device,
 * missed, cancelled, or the call ended).
 */
import type {
  AnswerCallResponse,
  CallEndedEvent,
  HandledElsewhereEvent,
  CallIncomingEvent,
  MediaState,
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

/** Longest the ring's screen stays after the answer click while the devices open (see #openDevicesFirst). */
const ANSWER_SCREEN_DELAY_MS = 120;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class RingFlow {
  readonly #parts: CallFlowParts;
  readonly #join: JoinFlow;
  /** Between the answer click and the call screen (see #openDevicesFirst). */
  #answering = false;

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
    if (!incoming || this.#answering) return;
    if (deps.store.getState().call.current) await this.#join.hangUp();
    const { callId } = incoming;
    const local = {
      audioEnabled: true,
      videoEnabled: withVideo && incoming.type !== 'audio',
      screenSharing: false,
    };
    // First the server: it makes the call active, and a caller that cannot hear it from this device (see
    // answerChannel.ts) starts sending once the server relays it.
    const answered = this.#join.answerOnServer(callId);
    // Connected while ringing, the devices are all that stands between the click and the media: they open
    // before the call screen renders. Without a pre-connection the media waits for a negotiation still to
    // come, and the screen renders at once: later, the caller's offer would arrive during that render.
    let capture: Promise<MediaStream> | null | undefined;
    if (this.#parts.host.engineOf(callId)) {
      ({ capture } = await this.#openDevicesFirst(callId, local, answered));
      // Cancelled, ended or answered elsewhere meanwhile: what the answer started went with the ring.
      if (deps.store.getState().call.incoming?.callId !== callId) {
        answered.catch(() => undefined);
        return;
      }
    }
    dispatchCall(this.#parts.ctx, {
      type: 'incoming-answered',
      title: titleOf(
        othersOf(incoming).map((p) => p.name),
        incoming.callerName,
      ),
      local,
    });
    await this.#join.join(callId, local, answered, capture);
  }

  /**
   * Starts sending on the pre-connection and opens the devices while the ring's screen stays: opening them
   * takes several trips through this page's main thread, which the call screen's first render holds for
   * tens of milliseconds (bench:call, in a Chromium trace: the capture took 124 ms behind it, 10-15 ms on
   * an idle page). At most ANSWER_SCREEN_DELAY_MS, as a permission prompt keeps the capture open for as
   * long as it is up. Resolves with the capture, for join.
   */
  async #openDevicesFirst(
    callId: string,
    local: MediaState,
    answered: Promise<AnswerCallResponse>,
  ): Promise<{ capture: Promise<MediaStream> | null }> {
    this.#answering = true;
    try {
      const capture = this.#join.startSending(callId, local, answered);
      await Promise.race([capture, delay(ANSWER_SCREEN_DELAY_MS)]).catch(() => undefined);
      return { capture };
    } finally {
      this.#answering = false;
    }
  }

  async decline(): Promise<void> {
    const { deps } = this.#parts;
    const incoming = deps.store.getState().call.incoming;
    // Declining what is being answered would end the call the caller is about to hear me in.
    if (!incoming || this.#answering) return;
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
