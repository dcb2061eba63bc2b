import type { Generated } from 'kysely';

// Row types of every table. Times are epoch milliseconds (bigint in PostgreSQL, integer in
// SQLite): portable, compact, and sortable; the HTTP layer turns them into ISO 8601.

export interface UsersTable {
  id: string;
  username: string;
  /** NFKC + lower case: makes usernames unique case-insensitively. */
  username_key: string;
  email: string | null;
  /** lower-cased email; null once the account is deleted. */
  email_key: string | null;
  password_hash: string;
  full_name: string | null;
  bio: string | null;
  /** storage key of the avatar under uploads/, or null. */
  profile_image: string | null;
  role: 'user' | 'admin';
  last_seen: number | null;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  /** sha256 of the session token (X-Session-ID); the token itself is never stored. */
  token_hash: string;
  user_agent: string | null;
  ip: string | null;
  created_at: number;
  last_used_at: number;
  /** the session ends when unused until then; each refresh moves it. */
  expires_at: number;
  revoked_at: number | null;
  revoke_reason: string | null;
}

export interface RefreshTokensTable {
  token_hash: string;
  session_id: string;
  created_at: number;
  expires_at: number;
  /** set when rotated; presenting a used token again is reuse and ends the session. */
  used_at: number | null;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  key_hash: string;
  prefix: string;
  created_by: string | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface BlocksTable {
  blocker_id: string;
  blocked_id: string;
  created_at: number;
}

export interface ChatsTable {
  id: string;
  type: 'single' | 'group';
  name: string | null;
  description: string | null;
  image: string | null;
  is_public: number;
  /** "userA:userB" (sorted) for direct chats: the unique index makes one chat per pair. */
  direct_key: string | null;
  created_by: string | null;
  last_seq: Generated<number>;
  last_activity_at: number;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export interface ChatMembersTable {
  chat_id: string;
  user_id: string;
  role: 'owner' | 'admin' | 'member';
  joined_at: number;
  last_read_seq: Generated<number>;
  last_delivered_seq: Generated<number>;
  archived_at: number | null;
  muted_until: number | null;
}

export interface MessagesTable {
  rid: Generated<number>;
  id: string;
  chat_id: string;
  seq: number;
  /** the author; for system messages the member who caused them. */
  sender_id: string | null;
  type: 'text' | 'image' | 'file' | 'audio' | 'video' | 'system';
  content: string | null;
  /** folded copy of content for search (lib/text/fold.ts); null when deleted. */
  search_text: string | null;
  file_id: string | null;
  reply_to_id: string | null;
  forwarded_from_id: string | null;
  client_id: string | null;
  edited_at: number | null;
  deleted_at: number | null;
  created_at: number;
}

export interface MessageEditsTable {
  id: string;
  message_id: string;
  /** the content before this edit */
  content: string;
  edited_at: number;
}

export interface ReactionsTable {
  message_id: string;
  user_id: string;
  emoji: string;
  created_at: number;
}

/** A message one member hid for themselves only. */
export interface MessageHidesTable {
  user_id: string;
  message_id: string;
  chat_id: string;
  created_at: number;
}

export interface FilesTable {
  id: string;
  chat_id: string;
  uploader_id: string;
  storage_key: string;
  thumb_key: string | null;
  /** the client's file name, for display and downloads only (never a path) */
  name: string;
  size: number;
  mime: string;
  width: number | null;
  height: number | null;
  created_at: number;
  deleted_at: number | null;
}

export interface EventsTable {
  id: Generated<number>;
  /** the chat whose members see it, or null for an event addressed to user_id only */
  chat_id: string | null;
  /** set for events addressed to one user (e.g. chat_removed after removal) */
  user_id: string | null;
  /** the chat's seq when the event happened (for resuming by per-chat seq) */
  seq: number | null;
  type: string;
  /** JSON of the event as sent to clients, without cursor */
  payload: string;
  created_at: number;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  api_keys: ApiKeysTable;
  blocks: BlocksTable;
  chats: ChatsTable;
  chat_members: ChatMembersTable;
  messages: MessagesTable;
  message_edits: MessageEditsTable;
  reactions: ReactionsTable;
  message_hides: MessageHidesTable;
  files: FilesTable;
  events: EventsTable;
  meta: MetaTable;
}
