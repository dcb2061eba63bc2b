import type { AuthContext } from '../modules/auth/auth.service.js';
import type { DomainEvent } from './bus/bus.js';
import { newId } from '../lib/ids.js';
import { SentIds } from './sent.js';

export type Transport = 'ws' | 'socketio' | 'sse';

/**
 * One open real-time connection, whatever carries it. The hub indexes it by user, session and
 * chat, and delivers events through `deliverEvent`/`sendObject`.
 */
export interface Connection {
  readonly id: string;
  readonly transport: Transport;
  readonly auth: AuthContext;
  /** The one chat a /ws/{chat_id} socket follows; null for every chat of the user. */
  readonly chatFilter: string | null;
  /** The chats whose events this connection receives (kept in step with membership events). */
  readonly chats: Set<string>;
  /** The durable events this connection has had (live or replayed): each goes out once. */
  readonly sent: SentIds;
  /** While a resume replays from the log (and briefly after connecting), live events wait here. */
  buffer: DomainEvent[] | null;
  /** Chats a Socket.io client `join`ed (seed protocol): they also get `chat message`. */
  readonly joined: Set<string>;
  deliverEvent(event: DomainEvent): void;
  sendObject(type: string, body: Record<string, unknown>): void;
  /** Bytes queued but not yet written to the network (backpressure). */
  bufferedBytes(): number;
  close(code: number, reason: string): void;
}

/** What a transport supplies; the connection's bookkeeping (id, chats, sent ids, buffer) is made here. */
export type TransportParts = Pick<Connection, 'transport' | 'auth' | 'deliverEvent' | 'sendObject' | 'bufferedBytes' | 'close'> & {
  chatFilter?: string | null;
};

/** A new connection around a transport's send and close functions. */
export function newConnection(parts: TransportParts): Connection {
  return { id: newId(), chatFilter: null, chats: new Set(), sent: new SentIds(), buffer: null, joined: new Set(), ...parts };
}
