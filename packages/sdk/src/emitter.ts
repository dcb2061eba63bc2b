/** A listener of one event type. */
export type Listener<T> = (payload: T) => void;

/**
 * A tiny typed event emitter (no Node `events`, so it runs in browsers). A listener that throws
 * does not stop the others nor the SDK's own processing: its error is rethrown on a fresh task,
 * where the platform reports it like any uncaught error.
 */
export class Emitter<M extends object> {
  private readonly listeners = new Map<keyof M, Set<Listener<never>>>();

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof M>(type: K, listener: Listener<M[K]>): () => void {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(listener as Listener<never>);
    return () => this.off(type, listener);
  }

  /** Adds a listener that runs at most once. */
  once<K extends keyof M>(type: K, listener: Listener<M[K]>): () => void {
    const off = this.on(type, (payload) => {
      off();
      listener(payload);
    });
    return off;
  }

  off<K extends keyof M>(type: K, listener: Listener<M[K]>): void {
    this.listeners.get(type)?.delete(listener as Listener<never>);
  }

  /** Calls every listener of `type` with `payload`, in the order they were added. */
  emit<K extends keyof M>(type: K, payload: M[K]): void {
    const set = this.listeners.get(type);
    if (!set) {
      return;
    }
    for (const listener of [...set]) {
      try {
        (listener as Listener<M[K]>)(payload);
      } catch (error) {
        setTimeout(() => {
          throw error;
        }, 0);
      }
    }
  }

  listenerCount<K extends keyof M>(type: K): number {
    return this.listeners.get(type)?.size ?? 0;
  }

  removeAll(): void {
    this.listeners.clear();
  }
}
