import { Type, type Static } from 'typebox';
import { Id, Nullable, Timestamp } from './common.js';

export const MessageType = Type.Union([
  Type.Literal('text'),
  Type.Literal('image'),
  Type.Literal('file'),
  Type.Literal('audio'),
  Type.Literal('video'),
  Type.Literal('system'),
]);
export type MessageType = Static<typeof MessageType>;

export const MessageStatus = Type.Union([Type.Literal('sent'), Type.Literal('delivered'), Type.Literal('read')], {
  description: 'For the sender: delivered once some recipient has it, read once some recipient read it.',
});
export type MessageStatus = Static<typeof MessageStatus>;

export const FileInfo = Type.Object({
  id: Id,
  url: Type.String({ description: 'Signed URL, valid for FILE_URL_TTL; works in <img src> without headers.' }),
  name: Type.String(),
  size: Type.Integer(),
  mime: Type.String({ description: 'Detected from the content, not from the client.' }),
  width: Type.Optional(Nullable(Type.Integer())),
  height: Type.Optional(Nullable(Type.Integer())),
  thumbnail_url: Type.Optional(Nullable(Type.String())),
});
export type FileInfo = Static<typeof FileInfo>;

export const ReplyPreview = Type.Object({
  id: Id,
  sender_id: Nullable(Id),
  sender_name: Nullable(Type.String()),
  content: Nullable(Type.String()),
  message_type: MessageType,
  is_deleted: Type.Boolean(),
});
export type ReplyPreview = Static<typeof ReplyPreview>;

export const ForwardedFrom = Type.Object({
  message_id: Id,
  chat_id: Id,
  sender_id: Nullable(Id),
  sender_name: Nullable(Type.String()),
});
export type ForwardedFrom = Static<typeof ForwardedFrom>;

export const Reactions = Type.Record(Type.String(), Type.Array(Id), { description: '{emoji: [user_id, ...]}' });
export type Reactions = Static<typeof Reactions>;

export const Message = Type.Object(
  {
    id: Id,
    chat_id: Id,
    seq: Type.Integer({ description: 'Per-chat number 1, 2, 3, ... with no gaps, in commit order.' }),
    sender_id: Nullable(Id),
    sender_name: Nullable(Type.String({ description: 'Full name, else username; "Deleted user" for deleted accounts.' })),
    message_type: MessageType,
    content: Nullable(Type.String()),
    file_url: Nullable(Type.String()),
    file: Nullable(FileInfo),
    reply_to: Nullable(Id),
    reply_to_message: Nullable(ReplyPreview),
    forwarded_from: Nullable(ForwardedFrom),
    edited_at: Nullable(Timestamp),
    is_deleted: Type.Boolean(),
    status: MessageStatus,
    read_by: Type.Array(Id),
    reactions: Reactions,
    client_id: Nullable(Type.String()),
    created_at: Timestamp,
  },
  {
    examples: [
      {
        id: '01936d3c-9a00-7b00-8c00-000000000030',
        chat_id: '01936d3c-9a00-7b00-8c00-000000000020',
        seq: 42,
        sender_id: '01936d3c-7b1a-7c3e-9d52-3f6a1b2c4d5e',
        sender_name: 'سارا کریمی',
        message_type: 'text',
        content: 'سلام، خوبی؟',
        file_url: null,
        file: null,
        reply_to: null,
        reply_to_message: null,
        forwarded_from: null,
        edited_at: null,
        is_deleted: false,
        status: 'read',
        read_by: ['01936d3c-7b1a-7c3e-9d52-3f6a1b2c4d5f'],
        reactions: { '👍': ['01936d3c-7b1a-7c3e-9d52-3f6a1b2c4d5f'] },
        client_id: 'c-7f3a',
        created_at: '2026-01-01T12:00:00.000Z',
      },
    ],
  },
);
export type Message = Static<typeof Message>;

export const ChatIdParams = Type.Object({ id: Id });
export const MessageParams = Type.Object({ id: Id, message_id: Id });
export type MessageParams = Static<typeof MessageParams>;

// Seqs and offsets are stored as 64-bit integers: anything past the exact JS range is a 400, not a database error.
const MAX_SEQ = Number.MAX_SAFE_INTEGER;

export const MessagesQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  skip: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_SEQ, default: 0, description: 'Messages to skip, counted from the newest.' })),
  before_seq: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_SEQ, description: 'Cursor: the `limit` messages just before this seq.' })),
  after_seq: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_SEQ, description: 'Cursor: the `limit` messages just after this seq.' })),
});
export type MessagesQuery = Static<typeof MessagesQuery>;

export const MessagePage = Type.Object({
  messages: Type.Array(Message, { description: 'Oldest → newest.' }),
  total: Type.Integer(),
  has_more: Type.Boolean({ description: 'True when older messages exist before this page (or, with after_seq, newer after it).' }),
  skip: Type.Integer(),
  limit: Type.Integer(),
});
export type MessagePage = Static<typeof MessagePage>;

const SendFields = {
  content: Type.String({ minLength: 1, maxLength: 10_000 }),
  message_type: Type.Optional(
    Type.Union([Type.Literal('text'), Type.Literal('image'), Type.Literal('file'), Type.Literal('audio'), Type.Literal('video')], { default: 'text' }),
  ),
  reply_to: Type.Optional(Nullable(Id)),
  client_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Makes the send exactly-once: a retry returns the original.' })),
};

export const SendMessageBody = Type.Object(SendFields, { examples: [{ content: 'سلام!', client_id: 'c-7f3a' }] });
export type SendMessageBody = Static<typeof SendMessageBody>;
export const SendMessageQuery = Type.Object(
  { content: Type.Optional(SendFields.content), message_type: SendFields.message_type, reply_to: Type.Optional(Id), client_id: SendFields.client_id },
  { description: 'The FastAPI seed sends these as query parameters; a JSON body wins when both are present.' },
);
export type SendMessageQuery = Static<typeof SendMessageQuery>;

export const EditMessageBody = Type.Object({ content: Type.String({ minLength: 1, maxLength: 10_000 }) }, { examples: [{ content: 'edited text' }] });
export type EditMessageBody = Static<typeof EditMessageBody>;

export const ReactBody = Type.Object({ emoji: Type.String({ minLength: 1, maxLength: 32 }) }, { examples: [{ emoji: '👍' }] });
export type ReactBody = Static<typeof ReactBody>;
export const ReactResponse = Type.Object({ status: Type.Union([Type.Literal('reacted'), Type.Literal('unreacted')]), reactions: Reactions }, { examples: [{ status: 'reacted', reactions: { '👍': ['01936d3c-7b1a-7c3e-9d52-3f6a1b2c4d5e'] } }] });

export const ForwardBody = Type.Object({ target_chat_ids: Type.Array(Id, { minItems: 1, maxItems: 50 }) }, { examples: [{ target_chat_ids: ['01936d3c-9a00-7b00-8c00-000000000020'] }] });
export type ForwardBody = Static<typeof ForwardBody>;
export const ForwardResponse = Type.Object({ status: Type.Literal('forwarded'), forwarded_to: Type.Integer(), messages: Type.Array(Message) });

export const ReadAllResponse = Type.Object({ status: Type.Literal('success'), updated_count: Type.Integer() }, { examples: [{ status: 'success', updated_count: 15 }] });

export const SearchQuery = Type.Object({
  query: Type.Optional(Type.String({ maxLength: 200 })),
  q: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
});
export type SearchQuery = Static<typeof SearchQuery>;

export const MessageEdit = Type.Object({ content: Type.String(), edited_at: Timestamp });
