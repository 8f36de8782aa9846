type Listener = (...args: never[]) => void;

/** A minimal typed event emitter: `on` returns its own unsubscribe, a throwing listener cannot break the engine. */
export class TypedEmitter<Events extends { [K in keyof Events]: Listener }> {
  private readonly listeners = new Map<keyof Events, Set<Listener>>();

  on<K extends keyof Events>(event: K, listener: Events[K]): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        (listener as (...a: Parameters<Events[K]>) => void)(...args);
      } catch (err) {
        // A UI bug in one listener must not stop media handling; the page still sees it as an uncaught error.
        reportError(err);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
