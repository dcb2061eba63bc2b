import type { MemberRole, Message, Reactions } from '@majlis/protocol';
import type { FieldError } from './http.js';
import type { ChatSummary } from './types.js';

// The real-time protocol of docs/REALTIME.md as TypeScript types: every server → client event
// and every client → server frame. The same shapes travel over WebSocket, Socket.io, SSE and
// the long poll.

/** Durable events come from the event log and carry its `cursor` (resume from the highest applied one). */
interface Durable {
  cursor: string;
}

export interface NewMessageEvent extends Durable {
  type: 'new_message';
  chat_id: string;
  seq: number;
  message: Message;
}

export interface MessageEditedEvent extends Durable {
  type: 'message_edited';
  chat_id: string;
  seq: number;
  message: Message;
}

export interface MessageDeletedEvent extends Durable {
  type: 'message_deleted';
  chat_id: string;
  seq: number;
  message_id: string;
  deleted_by: string;
  /** `me`: hidden for me only (sent to me alone); absent or `everyone`: a tombstone for all. */
  for?: 'me' | 'everyone';
}

export interface MessageReactionEvent extends Durable {
  type: 'message_reaction';
  chat_id: string;
  seq: number;
  message_id: string;
  /** Every reaction of the message after this change. */
  reactions: Reactions;
  user_id: string;
  emoji: string;
  action: 'added' | 'removed';
}

export interface MessageStatusEvent extends Durable {
  type: 'message_status';
  chat_id: string;
  seq: number;
  /** The newest message the receipt covers (the one at `up_to_seq`). */
  message_id: string;
  status: 'delivered' | 'read';
  /** Who received or read. */
  user_id: string;
  /** Everything up to this seq is delivered/read by `user_id`. */
  up_to_seq: number;
}

export interface ChatCreatedEvent extends Durable {
  type: 'chat_created';
  chat_id: string;
  seq: number;
  chat: ChatSummary;
  member_ids: string[];
}

/** A group changed (`chat`), or a member's role did (`member`). */
export interface ChatUpdatedEvent extends Durable {
  type: 'chat_updated';
  chat_id: string;
  chat?: ChatSummary;
  member?: { user_id: string; role: MemberRole };
  /** Who did it (absent when ownership passed on because the owner left). */
  by?: string;
}

export interface MemberAddedEvent extends Durable {
  type: 'member_added';
  chat_id: string;
  user_ids: string[];
  by: string;
}

export interface MemberRemovedEvent extends Durable {
  type: 'member_removed';
  chat_id: string;
  user_id: string;
  by: string;
}

/** Sent to the user who lost the chat. */
export interface ChatRemovedEvent extends Durable {
  type: 'chat_removed';
  chat_id: string;
  reason: 'left' | 'removed' | 'deleted';
}

export interface TypingEvent {
  type: 'typing';
  chat_id: string;
  user_id: string;
  is_typing: boolean;
}

export interface PresenceEvent {
  type: 'presence';
  user_id: string;
  is_online: boolean;
  last_seen: string | null;
}

/** The answer to a `send` frame; `replayed` when that client_id had already been sent. */
export interface AckEvent {
  type: 'ack';
  client_id: string;
  message: Message;
  replayed: boolean;
}

/** A refused frame; `client_id` names the `send` it answers. */
export interface ErrorEvent {
  type: 'error';
  code: string;
  status: number;
  detail: string;
  client_id?: string;
  errors?: FieldError[];
}

export interface PongEvent {
  type: 'pong';
}

/** The resume point is older than the event log: reload by REST. */
export interface ResetEvent {
  type: 'reset';
  reason: string;
}

/** Events that change chats and messages: what `applyEvent` reduces. */
export type DurableEvent =
  | NewMessageEvent
  | MessageEditedEvent
  | MessageDeletedEvent
  | MessageReactionEvent
  | MessageStatusEvent
  | ChatCreatedEvent
  | ChatUpdatedEvent
  | MemberAddedEvent
  | MemberRemovedEvent
  | ChatRemovedEvent;

/** Every server → client frame. */
export type ServerEvent = DurableEvent | TypingEvent | PresenceEvent | AckEvent | ErrorEvent | PongEvent | ResetEvent;

export type ServerEventType = ServerEvent['type'];

/** The event of one type: EventOf<'new_message'> is NewMessageEvent. */
export type EventOf<T extends ServerEventType> = Extract<ServerEvent, { type: T }>;

/** The durable event types, for code that must know them at run time. */
export const DURABLE_EVENT_TYPES = [
  'new_message',
  'message_edited',
  'message_deleted',
  'message_reaction',
  'message_status',
  'chat_created',
  'chat_updated',
  'member_added',
  'member_removed',
  'chat_removed',
] as const satisfies ReadonlyArray<DurableEvent['type']>;

/** True for events that carry a cursor and change state. */
export function isDurable(event: ServerEvent): event is DurableEvent {
  return typeof (event as { cursor?: unknown }).cursor === 'string';
}

// Client → server frames.

export interface SendFrame {
  type: 'send';
  chat_id: string;
  content: string;
  client_id: string;
  reply_to?: string;
}

export interface ReadFrame {
  type: 'read';
  chat_id: string;
  message_id: string;
}

export interface TypingFrame {
  type: 'typing';
  chat_id: string;
  is_typing: boolean;
}

/** Resume after a cursor, or per chat after the seq the client has. */
export type ResumeFrame = { type: 'resume'; cursor: string } | { type: 'resume'; since: Record<string, number> };

export interface PingFrame {
  type: 'ping';
}

export type ClientFrame = SendFrame | ReadFrame | TypingFrame | ResumeFrame | PingFrame;

/**
 * Orders two cursors. Cursors are opaque strings; Majlis's are decimal integers, compared here
 * by value (a longer one is larger), anything else falls back to string order.
 */
export function compareCursors(a: string, b: string): number {
  let x = a;
  let y = b;
  const numeric = /^\d+$/;
  if (numeric.test(a) && numeric.test(b)) {
    x = a.replace(/^0+(?=\d)/, '');
    y = b.replace(/^0+(?=\d)/, '');
    if (x.length !== y.length) {
      return x.length < y.length ? -1 : 1;
    }
  }
  return x < y ? -1 : x > y ? 1 : 0;
}
