import type { Chat, Message, Reactions } from '@majlis/protocol';

// Response shapes whose schemas @majlis/protocol exports without a `Static` type. They are
// written out here (the SDK imports no TypeBox); test/types.test.ts checks each one equals
// `Static<typeof Schema>`, so they cannot drift from the server.

/** POST /api/users/me/profile-image (ProfileImageResponse). */
export interface ProfileImageResult {
  profile_image: string;
}

/** DELETE /api/users/me body (DeleteMeBody). */
export interface DeleteMeBody {
  password?: string;
}

/** POST /api/chats/group (CreateGroupResponse). */
export interface CreateGroupResult {
  chat_id: string;
  added: number;
  not_found: string[];
}

/** PUT /api/chats/{id}/group (UpdateGroupResponse). */
export interface UpdateGroupResult {
  id: string;
  group_name: string | null;
  group_image: string | null;
  description: string | null;
  is_public: boolean;
}

/** POST /api/chats/{id}/participants (AddedResponse). */
export interface AddedResult {
  added: number;
  not_found: string[];
}

/** POST /api/chats/{id}/mute (an inline schema of the route). */
export interface MuteResult {
  status: 'muted';
  muted_until: string | null;
}

/** POST .../react (ReactResponse). */
export interface ReactResult {
  status: 'reacted' | 'unreacted';
  reactions: Reactions;
}

/** POST .../forward (ForwardResponse). */
export interface ForwardResult {
  status: 'forwarded';
  forwarded_to: number;
  messages: Message[];
}

/** POST .../read-all (ReadAllResponse). */
export interface ReadAllResult {
  status: 'success';
  updated_count: number;
}

/** One entry of GET .../history (MessageEdit). */
export interface MessageEdit {
  content: string;
  edited_at: string;
}

/** GET /api/sync: a page of the event log (see events.ts for the event types). */
export interface SyncResult {
  events: Array<Record<string, unknown>>;
  cursor: string;
  reset: boolean;
}

/** The public facts of a chat that `chat_created` and `chat_updated` carry. */
export type ChatSummary = Pick<Chat, 'id' | 'chat_type' | 'group_name' | 'group_image' | 'description' | 'is_public'>;
