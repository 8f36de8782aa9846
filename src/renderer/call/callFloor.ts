/**
 * Extra: raised hands and reactions of the current call. Follows the store's current call (mesh or SFU
 * alike: these travel over the signaling socket, not the media), keeps the queue the server announces, shows
 * reactions on the sender's tile for REACTION_SHOWN_MS, and lowers my own hand once I have spoken a while.
 */
import type { Reaction } from '../../shared/protocol/index.ts';
import type { RestClient } from '../signaling/restClient.ts';
import { errorMessage } from '../signaling/restClient.ts';
import type { SignalingClient } from '../signaling/socketClient.ts';
import type { AppStore } from '../store/appStore.ts';
import { nextTalk, silent, spokeLongEnough, type TalkState } from './handAutoLower.ts';

export const REACTION_SHOWN_MS = 4000;

export interface CallFloorDeps {
  store: AppStore;
  api: Pick<RestClient, 'getCall'>;
  signaling: Pick<SignalingClient, 'on' | 'send'>;
  selfId: string;
  now?: () => number;
}

export class CallFloor {
  readonly #deps: CallFloorDeps;
  readonly #now: () => number;
  #subscriptions: (() => void)[] = [];
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #nextReactionId = 1;
  #talk: TalkState = silent;
  #lowering = false;

  constructor(deps: CallFloorDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  start(): void {
    const { store, signaling } = this.#deps;
    this.#subscriptions.push(
      signaling.on('call:hands', (e) =>
        store.getState().handsChanged(
          e.callId,
          e.hands.map((h) => h.userId),
        ),
      ),
      signaling.on('call:reaction', (e) => this.#show(e.callId, e.userId, e.reaction)),
      store.subscribe((state, prev) => {
        const callId = state.call.current?.callId ?? null;
        if (callId !== (prev.call.current?.callId ?? null)) this.#open(callId);
      }),
    );
    this.#open(store.getState().call.current?.callId ?? null);
  }

  dispose(): void {
    for (const unsubscribe of this.#subscriptions.splice(0)) unsubscribe();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /** Raise or lower my hand; the host may lower someone else's. */
  async setHand(raised: boolean, userId: string = this.#deps.selfId): Promise<void> {
    const callId = this.#deps.store.getState().groupCall.floorCallId;
    if (callId === null) return;
    const ack = await this.#deps.signaling.send('call:hand', {
      callId,
      raised,
      ...(userId === this.#deps.selfId ? {} : { userId }),
    });
    if (!ack.ok) this.#toast(`Could not ${raised ? 'raise' : 'lower'} the hand: ${ack.error.message}`);
  }

  async react(reaction: Reaction): Promise<void> {
    const callId = this.#deps.store.getState().groupCall.floorCallId;
    if (callId === null) return;
    // Shown on my own tile at once: the server passes it on to the others only.
    this.#show(callId, this.#deps.selfId, reaction);
    const ack = await this.#deps.signaling.send('call:reaction', { callId, reaction });
    if (!ack.ok) this.#toast(`Reaction not sent: ${ack.error.message}`);
  }

  /** The engine's audio levels (0..1 by user id, mine included). */
  onAudioLevels(levels: Readonly<Record<string, number>>): void {
    const { selfId, store } = this.#deps;
    // Only speech since the hand went up counts: what I said before raising it earned me nothing.
    if (!store.getState().groupCall.hands.includes(selfId)) {
      this.#talk = silent;
      return;
    }
    this.#talk = nextTalk(this.#talk, levels[selfId] ?? 0, this.#now());
    if (this.#lowering || !spokeLongEnough(this.#talk)) return;
    this.#lowering = true;
    void this.setHand(false).finally(() => (this.#lowering = false));
  }

  #open(callId: string | null): void {
    const { store, api } = this.#deps;
    store.getState().floorOpened(callId);
    this.#talk = silent;
    if (callId === null) return;
    // Whoever joins late learns the queue from the call's snapshot; changes after it come as call:hands.
    api.getCall(callId).then(
      ({ call }) => {
        const raised = call.participants.filter((p) => p.status === 'joined' && p.handRaisedAt);
        raised.sort((a, b) => Date.parse(a.handRaisedAt!) - Date.parse(b.handRaisedAt!));
        if (store.getState().groupCall.hands.length === 0) {
          store.getState().handsChanged(
            callId,
            raised.map((p) => p.userId),
          );
        }
      },
      (error: unknown) => console.warn(`calls: raised hands not loaded (${errorMessage(error)})`),
    );
  }

  #show(callId: string, userId: string, reaction: Reaction): void {
    const id = this.#nextReactionId++;
    this.#deps.store.getState().reactionShown(callId, userId, { reaction, id });
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#deps.store.getState().reactionExpired(userId, id);
    }, REACTION_SHOWN_MS);
    this.#timers.add(timer);
  }

  #toast(text: string): void {
    this.#deps.store.getState().toastShown('warning', text);
  }
}
