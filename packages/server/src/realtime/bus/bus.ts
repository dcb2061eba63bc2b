/** A committed domain event, as stored in the event log. */
export interface DomainEvent {
  /** the log id: orders all events and is the clients' resume cursor */
  id: number;
  chat_id: string | null;
  user_id: string | null;
  type: string;
  payload: Record<string, unknown>;
  created_at: number;
}

export type EventHandler = (event: DomainEvent) => void;

/**
 * Carries committed events to every node's real-time hub. Publishing happens only after the
 * transaction that wrote the events committed (see Outbox), so a rolled-back change never
 * reaches a socket. The memory engine serves one process; a Redis engine serves a cluster.
 */
export interface Bus {
  publish(events: readonly DomainEvent[]): void;
  subscribe(handler: EventHandler): () => void;
}

/** The bus of a single process. */
export class MemoryBus implements Bus {
  private readonly handlers = new Set<EventHandler>();

  publish(events: readonly DomainEvent[]): void {
    for (const event of events) {
      for (const handler of this.handlers) {
        handler(event);
      }
    }
  }

  subscribe(handler: EventHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }
}
