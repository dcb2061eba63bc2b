import { Type, type Static } from 'typebox';
import { Id, Nullable, Timestamp } from './common.js';
import { User, USER_EXAMPLE } from './users.js';

export const ChatType = Type.Union([Type.Literal('single'), Type.Literal('group')]);
export const MemberRole = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member')]);
export type MemberRole = Static<typeof MemberRole>;

/** The newest message of a chat, as the chat list shows it (FastAPI seed). */
export const LastMessage = Type.Object({
  id: Id,
  seq: Type.Integer(),
  content: Nullable(Type.String()),
  message_type: Type.String(),
  sender_id: Nullable(Id),
  sender_name: Nullable(Type.String()),
  is_deleted: Type.Boolean(),
  created_at: Timestamp,
});
export type LastMessage = Static<typeof LastMessage>;

export const Chat = Type.Object(
  {
    id: Id,
    chat_type: ChatType,
    group_name: Nullable(Type.String()),
    group_image: Nullable(Type.String()),
    description: Nullable(Type.String()),
    is_public: Type.Boolean(),
    participants: Type.Array(User),
    member_count: Type.Integer(),
    last_message: Nullable(LastMessage),
    last_seq: Type.Integer({ description: 'The seq of the newest message; unread_count = last_seq − my last_read_seq.' }),
    last_read_seq: Type.Integer({ description: 'My read pointer in this chat.' }),
    unread_count: Type.Integer(),
    my_role: MemberRole,
    is_archived: Type.Boolean(),
    is_muted: Type.Boolean(),
    muted_until: Nullable(Timestamp),
    created_by: Nullable(Id),
    created_at: Timestamp,
    updated_at: Timestamp,
    last_activity_at: Timestamp,
  },
  {
    description: 'A chat as its member sees it (the FastAPI seed’s list shape, plus a few fields).',
    examples: [
      {
        id: '01936d3c-9a00-7b00-8c00-000000000020',
        chat_type: 'single',
        group_name: null,
        group_image: null,
        description: null,
        is_public: false,
        participants: [USER_EXAMPLE],
        member_count: 2,
        last_message: {
          id: '01936d3c-9a00-7b00-8c00-000000000030',
          seq: 42,
          content: 'سلام، خوبی؟',
          message_type: 'text',
          sender_id: USER_EXAMPLE.id,
          sender_name: USER_EXAMPLE.full_name,
          is_deleted: false,
          created_at: '2026-01-01T12:00:00.000Z',
        },
        last_seq: 42,
        last_read_seq: 37,
        unread_count: 5,
        my_role: 'member',
        is_archived: false,
        is_muted: false,
        muted_until: null,
        created_by: USER_EXAMPLE.id,
        created_at: '2025-12-01T09:30:00.000Z',
        updated_at: '2026-01-01T12:00:00.000Z',
        last_activity_at: '2026-01-01T12:00:00.000Z',
      },
    ],
  },
);
export type Chat = Static<typeof Chat>;

export const ChatIdResponse = Type.Object({ chat_id: Id }, { examples: [{ chat_id: '01936d3c-9a00-7b00-8c00-000000000020' }] });
export type ChatIdResponse = Static<typeof ChatIdResponse>;

export const CreateDirectQuery = Type.Object({
  identifier: Type.Optional(Type.String({ minLength: 1, maxLength: 254, description: 'Email or username of the other user.' })),
  user_id: Type.Optional(Id),
});
export const CreateDirectBody = Type.Object({
  identifier: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
  user_id: Type.Optional(Id),
});
export type CreateDirectBody = Static<typeof CreateDirectBody>;

const EmailList = Type.Union([Type.String({ maxLength: 20_000 }), Type.Array(Type.String({ maxLength: 254 }), { maxItems: 1000 })], {
  description: 'Emails or usernames: a comma-separated string or an array.',
});

export const CreateGroupBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    description: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
    participant_emails: Type.Optional(EmailList),
    participant_ids: Type.Optional(Type.Union([Type.Array(Id, { maxItems: 1000 }), Type.String({ maxLength: 40_000 })])),
    is_public: Type.Optional(Type.Boolean()),
  },
  { examples: [{ name: 'گروه دوستان', participant_emails: 'omid@example.com,layla', is_public: false }] },
);
export type CreateGroupBody = Static<typeof CreateGroupBody>;

export const CreateGroupResponse = Type.Object({
  chat_id: Id,
  added: Type.Integer({ description: 'Participants added besides the creator.' }),
  not_found: Type.Array(Type.String(), { description: 'Emails, usernames or ids that matched no user.' }),
}, { examples: [{ chat_id: '01936d3c-9a00-7b00-8c00-000000000020', added: 2, not_found: ['nobody@example.com'] }] });

export const UpdateGroupBody = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  description: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
  is_public: Type.Optional(Type.Boolean()),
}, { examples: [{ name: 'خانواده', description: 'Family group', is_public: false }] });
export type UpdateGroupBody = Static<typeof UpdateGroupBody>;

export const UpdateGroupResponse = Type.Object({
  id: Id,
  group_name: Nullable(Type.String()),
  group_image: Nullable(Type.String()),
  description: Nullable(Type.String()),
  is_public: Type.Boolean(),
});

export const AddParticipantsBody = Type.Object({
  emails: Type.Optional(Type.Array(Type.String({ maxLength: 254 }), { maxItems: 1000, description: 'Emails or usernames.' })),
  user_ids: Type.Optional(Type.Array(Id, { maxItems: 1000 })),
}, { examples: [{ emails: ['layla@example.com', 'omid'] }] });
export type AddParticipantsBody = Static<typeof AddParticipantsBody>;

export const AddedResponse = Type.Object({ added: Type.Integer(), not_found: Type.Array(Type.String()) }, { examples: [{ added: 2, not_found: [] }] });

export const ChatMemberParams = Type.Object({ id: Id, user_id: Id });
export type ChatMemberParams = Static<typeof ChatMemberParams>;

export const PublicChatsQuery = Type.Object({
  query: Type.Optional(Type.String({ maxLength: 100 })),
  q: Type.Optional(Type.String({ maxLength: 100 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
  skip: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
});
export type PublicChatsQuery = Static<typeof PublicChatsQuery>;

export const PublicChat = Type.Object({
  id: Id,
  group_name: Nullable(Type.String()),
  group_image: Nullable(Type.String()),
  description: Nullable(Type.String()),
  member_count: Type.Integer(),
  is_member: Type.Boolean(),
  last_activity_at: Timestamp,
  created_at: Timestamp,
});
export type PublicChat = Static<typeof PublicChat>;

export const MuteBody = Type.Object({
  until: Type.Optional(Nullable(Timestamp)),
  duration_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 * 365 * 86_400 })),
});
export type MuteBody = Static<typeof MuteBody>;

export const ChatStatistics = Type.Object({
  total_chats: Type.Integer({ description: 'Live chats of every kind.' }),
  direct_chats: Type.Integer(),
  group_chats: Type.Integer({ description: 'Groups, public ones included.' }),
  public_groups: Type.Integer(),
  new_last_24h: Type.Integer(),
  memberships: Type.Integer({ description: 'Members summed over all live chats.' }),
  total_messages: Type.Integer(),
  messages_last_24h: Type.Integer(),
});
export type ChatStatistics = Static<typeof ChatStatistics>;
