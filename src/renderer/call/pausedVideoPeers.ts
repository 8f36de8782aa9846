/**
 * The peers toward whom our send ladder has paused our video (its audio-only rung), kept so the call's media
 * state can tell them (`videoPausedFor`): without it they would see a frozen picture and not know why.
 * Only the mesh pauses video (one ladder per peer connection); on the SFU simulcast adapts per viewer.
 */
export class PausedVideoPeers {
  readonly #paused = new Set<string>();

  /** Records one quality sample; the new list when it changed (someone to tell), else null. */
  sampled(userId: string, videoPaused: boolean): string[] | null {
    if (videoPaused === this.#paused.has(userId)) return null;
    if (videoPaused) this.#paused.add(userId);
    else this.#paused.delete(userId);
    return [...this.#paused].sort();
  }
}
