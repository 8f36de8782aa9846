/**
 * Where the tiles find their MediaStreams. Streams are live objects that must never enter the store, so the
 * engine's events put them here by user id and the tiles subscribe (useSyncExternalStore) to their own key.
 */
export const LOCAL_MEDIA = 'local';
/** My own screen while I share it, for my preview (peers receive it in place of my camera). */
export const LOCAL_SCREEN = 'local-screen';

export class MediaRegistry {
  #streams = new Map<string, MediaStream>();
  #listeners = new Set<() => void>();

  get(key: string): MediaStream | null {
    return this.#streams.get(key) ?? null;
  }

  set(key: string, stream: MediaStream | null): void {
    if (stream) this.#streams.set(key, stream);
    else this.#streams.delete(key);
    this.#notify();
  }

  clear(): void {
    if (this.#streams.size === 0) return;
    this.#streams.clear();
    this.#notify();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  };

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}
