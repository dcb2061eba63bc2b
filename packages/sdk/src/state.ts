import type { Chat, LastMessage, Message } from '@majlis/protocol';
import { type DurableEvent, isDurable, type ServerEvent } from './events.js';

/**
 * A client's picture of its chats: what GET /api/chats and GET /api/chats/{id}/messages return,
 * kept current by `applyEvent`. Principle 8 of the design: applying the events to an older
 * snapshot gives what a fresh fetch gives.
 */
export interface ChatState {
  /** Me: the user whose unread counts, read pointer and role these are. */
  userId: string;
  /** My chats that are not archived, most recent activity first (GET /api/chats). */
  chats: Chat[];
  /** Loaded messages per chat, ascending by seq; any window of them (events extend it at the end). */
  messages: Record<string, Message[]>;
  /**
   * Chats the events could not describe in full (a chat I was added to, new participants whose
   * profiles no event carries, a message in a chat not in the list): fetch each with
   * GET /api/chats/{id} and give it to `upsertChat`.
   */
  stale: string[];
}

/** A state from a REST snapshot. */
export function createState(userId: string, chats: Chat[], messages: Record<string, Message[]> = {}): ChatState {
  return { userId, chats: sortChats(chats), messages, stale: [] };
}

/** Most recent activity first, then by id (newest first), as GET /api/chats orders them. */
export function compareChats(a: Chat, b: Chat): number {
  if (a.last_activity_at !== b.last_activity_at) {
    return a.last_activity_at < b.last_activity_at ? 1 : -1;
  }
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export function sortChats(chats: readonly Chat[]): Chat[] {
  return [...chats].sort(compareChats);
}

/** Puts a fetched chat in place (or drops it when archived) and clears it from `stale`. */
export function upsertChat(state: ChatState, chat: Chat): ChatState {
  const others = state.chats.filter((c) => c.id !== chat.id);
  return {
    ...state,
    chats: chat.is_archived ? others : sortChats([...others, chat]),
    stale: state.stale.filter((id) => id !== chat.id),
  };
}

/** Replaces the loaded messages of a chat (e.g. after fetching a page). */
export function setMessages(state: ChatState, chatId: string, messages: Message[]): ChatState {
  return { ...state, messages: { ...state.messages, [chatId]: [...messages].sort((a, b) => a.seq - b.seq) } };
}

// Helpers: each returns new objects and leaves its input alone.

function markStale(state: ChatState, chatId: string): ChatState {
  return state.stale.includes(chatId) ? state : { ...state, stale: [...state.stale, chatId] };
}

function findChat(state: ChatState, chatId: string): Chat | undefined {
  return state.chats.find((c) => c.id === chatId);
}

/** Applies `change` to one chat (if I have it), keeping unread_count and the order consistent. */
function updateChat(state: ChatState, chatId: string, change: (chat: Chat) => Chat): ChatState {
  if (!findChat(state, chatId)) {
    return state;
  }
  const chats = state.chats.map((c) => {
    if (c.id !== chatId) {
      return c;
    }
    const next = change(c);
    return { ...next, unread_count: Math.max(0, next.last_seq - next.last_read_seq) };
  });
  return { ...state, chats: sortChats(chats) };
}

function removeChat(state: ChatState, chatId: string): ChatState {
  const { [chatId]: _gone, ...messages } = state.messages;
  return { ...state, chats: state.chats.filter((c) => c.id !== chatId), messages, stale: state.stale.filter((id) => id !== chatId) };
}

function updateMessages(state: ChatState, chatId: string, change: (messages: Message[]) => Message[]): ChatState {
  const list = state.messages[chatId];
  return list ? { ...state, messages: { ...state.messages, [chatId]: change(list) } } : state;
}

function mapMessage(list: Message[], id: string, change: (m: Message) => Message): Message[] {
  return list.map((m) => (m.id === id ? change(m) : m));
}

/** Inserts by seq, or replaces the message with the same id. */
function insertMessage(list: Message[], message: Message): Message[] {
  if (list.some((m) => m.id === message.id)) {
    return mapMessage(list, message.id, () => message);
  }
  const next = [...list, message];
  return next.sort((a, b) => a.seq - b.seq);
}

/** `userId` has read everything up to `upToSeq`: the messages of others up to there list them in read_by. */
function readBy(list: Message[], userId: string, upToSeq: number): Message[] {
  return list.map((m) =>
    m.seq <= upToSeq && m.sender_id !== userId && !m.read_by.includes(userId) ? { ...m, status: 'read', read_by: [...m.read_by, userId] } : m,
  );
}

/** `userId` received everything up to `upToSeq`: the messages of others are at least delivered. */
function deliveredTo(list: Message[], userId: string, upToSeq: number): Message[] {
  return list.map((m) => (m.seq <= upToSeq && m.sender_id !== userId && m.status === 'sent' ? { ...m, status: 'delivered' } : m));
}

function lastMessageOf(m: Message): LastMessage {
  return {
    id: m.id,
    seq: m.seq,
    content: m.content,
    message_type: m.message_type,
    sender_id: m.sender_id,
    sender_name: m.sender_name,
    is_deleted: m.is_deleted,
    created_at: m.created_at,
  };
}

const later = (a: string, b: string) => (a > b ? a : b);

/** Whether `userId` is in the chat, as far as the state knows (unknown chat or partial participants: assume so). */
function isMember(chat: Chat | undefined, userId: string): boolean {
  return !chat || chat.participants.length < chat.member_count || chat.participants.some((u) => u.id === userId);
}

type Handlers = { [K in DurableEvent['type']]: (state: ChatState, event: Extract<DurableEvent, { type: K }>) => ChatState };

// One small handler per event type (design principle 12).
const HANDLERS: Handlers = {
  new_message: (state, { chat_id, seq, message }) => {
    const sender = message.sender_id;
    // Sending moves the sender's read pointer, so they have read all before; but not a sender who
    // is no longer a member ("Omid left" is sent in the name of the one who left).
    const reads = sender !== null && isMember(findChat(state, chat_id), sender);
    let next = updateMessages(state, chat_id, (list) => insertMessage(reads ? readBy(list, sender, message.seq) : list, message));
    if (!findChat(next, chat_id)) {
      return markStale(next, chat_id);
    }
    next = updateChat(next, chat_id, (chat) => ({
      ...chat,
      last_seq: Math.max(chat.last_seq, seq, message.seq),
      last_read_seq: sender === state.userId ? Math.max(chat.last_read_seq, message.seq) : chat.last_read_seq,
      last_message: !chat.last_message || message.seq >= chat.last_message.seq ? lastMessageOf(message) : chat.last_message,
      last_activity_at: later(chat.last_activity_at, message.created_at),
      updated_at: later(chat.updated_at, message.created_at),
    }));
    return next;
  },

  message_edited: (state, { chat_id, message }) => {
    const next = updateMessages(state, chat_id, (list) =>
      list.map((m) => {
        if (m.id === message.id) {
          return message;
        }
        return m.reply_to_message?.id === message.id ? { ...m, reply_to_message: { ...m.reply_to_message, content: message.content } } : m;
      }),
    );
    return updateChat(next, chat_id, (chat) =>
      chat.last_message?.id === message.id ? { ...chat, last_message: { ...chat.last_message, content: message.content } } : chat,
    );
  },

  message_deleted: (state, { chat_id, message_id, for: scope }) => {
    if (scope === 'me') {
      // Hidden for me (on this or another device): it leaves my pages; the others still see it.
      return updateMessages(state, chat_id, (list) => list.filter((m) => m.id !== message_id));
    }
    const next = updateMessages(state, chat_id, (list) =>
      list.map((m) => {
        if (m.id === message_id) {
          return { ...m, content: null, file: null, file_url: null, reactions: {}, is_deleted: true };
        }
        return m.reply_to_message?.id === message_id ? { ...m, reply_to_message: { ...m.reply_to_message, content: null, is_deleted: true } } : m;
      }),
    );
    return updateChat(next, chat_id, (chat) =>
      chat.last_message?.id === message_id ? { ...chat, last_message: { ...chat.last_message, content: null, is_deleted: true } } : chat,
    );
  },

  message_reaction: (state, { chat_id, message_id, reactions }) =>
    updateMessages(state, chat_id, (list) => mapMessage(list, message_id, (m) => ({ ...m, reactions }))),

  message_status: (state, { chat_id, status, user_id, up_to_seq }) => {
    const next = updateMessages(state, chat_id, (list) => (status === 'read' ? readBy(list, user_id, up_to_seq) : deliveredTo(list, user_id, up_to_seq)));
    if (status !== 'read' || user_id !== state.userId) {
      return next;
    }
    // I read on this or another device: my unread count follows.
    return updateChat(next, chat_id, (chat) => ({ ...chat, last_read_seq: Math.max(chat.last_read_seq, up_to_seq) }));
  },

  chat_created: (state, { chat_id }) => {
    if (findChat(state, chat_id)) {
      return state;
    }
    // The event has the chat's public facts, not my view of it (participants, role): fetch it.
    // It has no messages yet (seq 0), so an empty list is the whole of them.
    const next = state.messages[chat_id] ? state : { ...state, messages: { ...state.messages, [chat_id]: [] } };
    return markStale(next, chat_id);
  },

  chat_updated: (state, { chat_id, chat: summary, member }) =>
    updateChat(state, chat_id, (chat) => {
      let next = chat;
      if (summary) {
        next = { ...next, group_name: summary.group_name, group_image: summary.group_image, description: summary.description, is_public: summary.is_public };
      }
      if (member && member.user_id === state.userId) {
        next = { ...next, my_role: member.role };
      }
      return next;
    }),

  member_added: (state, { chat_id, user_ids }) => {
    const chat = findChat(state, chat_id);
    // A newcomer's read pointer starts at the chat's newest seq: the history counts as read by them.
    const lastSeq = chat?.last_seq ?? state.messages[chat_id]?.at(-1)?.seq ?? 0;
    state = updateMessages(state, chat_id, (list) => user_ids.reduce((acc, id) => readBy(acc, id, lastSeq), list));
    if (chat) {
      const known = new Set(chat.participants.map((u) => u.id));
      const fresh = user_ids.filter((id) => !known.has(id)).length;
      // Their profiles are not in the event: the chat is right but for `participants` until fetched.
      return markStale(
        updateChat(state, chat_id, (c) => ({ ...c, member_count: c.member_count + fresh })),
        chat_id,
      );
    }
    return markStale(state, chat_id);
  },

  member_removed: (state, { chat_id, user_id }) => {
    if (user_id === state.userId) {
      return removeChat(state, chat_id);
    }
    // Receipts count current members only: a member who left no longer reads anything.
    const next = updateMessages(state, chat_id, (list) =>
      list.map((m) => {
        if (!m.read_by.includes(user_id)) {
          return m;
        }
        const read_by = m.read_by.filter((id) => id !== user_id);
        return { ...m, read_by, status: read_by.length > 0 ? m.status : 'delivered' };
      }),
    );
    return updateChat(next, chat_id, (chat) => {
      const present = chat.participants.some((u) => u.id === user_id);
      const complete = chat.participants.length >= chat.member_count;
      return {
        ...chat,
        participants: chat.participants.filter((u) => u.id !== user_id),
        member_count: present || !complete ? Math.max(0, chat.member_count - 1) : chat.member_count,
      };
    });
  },

  chat_removed: (state, { chat_id }) => removeChat(state, chat_id),
};

/**
 * Applies one real-time event to a state and returns the new state (the old one is not
 * changed). Events that change no chat or message (typing, presence, ack, pong, ...) return the
 * same state. Apply each event once, in order: RealtimeConnection already drops repeats.
 */
export function applyEvent(state: ChatState, event: ServerEvent): ChatState {
  if (!isDurable(event)) {
    return state;
  }
  const handler = HANDLERS[event.type] as ((state: ChatState, event: DurableEvent) => ChatState) | undefined;
  return handler ? handler(state, event) : state;
}

/** Applies events in order. */
export function applyEvents(state: ChatState, events: Iterable<ServerEvent>): ChatState {
  let next = state;
  for (const event of events) {
    next = applyEvent(next, event);
  }
  return next;
}
