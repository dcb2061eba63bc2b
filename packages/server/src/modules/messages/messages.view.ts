import type { FileInfo, Message, MessageStatus, Reactions, ReplyPreview } from '@majlis/protocol';
import type { Kysely } from 'kysely';
import { iso } from '../../lib/time.js';
import type { Database } from '../../storage/schema.js';
import { ChatsRepo, type MemberRow } from '../chats/chats.repo.js';
import type { FileUrls } from '../files/file-urls.js';
import { UsersRepo } from '../users/users.repo.js';
import { type FileRow, type MessageRow, MessagesRepo, type ReactionRow } from './messages.repo.js';

/** Full name, else username (FastAPI seed); deleted accounts read "Deleted user". */
export function displayName(user: { username: string; full_name: string | null } | undefined): string | null {
  return user ? user.full_name || user.username : null;
}

/** Status and readers of a message, from the other members' read and delivered pointers. */
export function receipts(message: Pick<MessageRow, 'seq' | 'sender_id' | 'created_at'>, members: readonly MemberRow[]): { status: MessageStatus; read_by: string[] } {
  // Members who joined after the message never received it: they are not its readers.
  const others = members.filter((m) => m.user_id !== message.sender_id && m.joined_at <= message.created_at);
  const readBy = others.filter((m) => m.last_read_seq >= message.seq).map((m) => m.user_id);
  if (readBy.length > 0) {
    return { status: 'read', read_by: readBy };
  }
  return { status: others.some((m) => m.last_delivered_seq >= message.seq) ? 'delivered' : 'sent', read_by: [] };
}

export function reactionMap(rows: readonly ReactionRow[]): Reactions {
  const out: Reactions = {};
  for (const r of rows) {
    const users = out[r.emoji] ?? [];
    users.push(r.user_id);
    out[r.emoji] = users;
  }
  return out;
}

/**
 * Turns message rows into API messages, loading everything they refer to (senders, files,
 * replies, forwards, reactions, members' read pointers) in a fixed number of queries per batch.
 */
export class MessageViews {
  constructor(private readonly fileUrls: FileUrls) {}

  fileInfo(file: FileRow): FileInfo {
    return {
      id: file.id,
      url: this.fileUrls.url(file.id),
      name: file.name,
      size: file.size,
      mime: file.mime,
      width: file.width,
      height: file.height,
      thumbnail_url: file.thumb_key ? this.fileUrls.url(file.id, 'thumb') : null,
    };
  }

  async build(db: Kysely<Database>, rows: readonly MessageRow[]): Promise<Message[]> {
    if (rows.length === 0) {
      return [];
    }
    const messages = new MessagesRepo(db);
    const refIds = [...new Set(rows.flatMap((r) => [r.reply_to_id, r.forwarded_from_id]).filter((id): id is string => id !== null))];
    const referenced = new Map((await messages.findManyByIds(refIds)).map((m) => [m.id, m]));
    const userIds = new Set<string>();
    for (const r of [...rows, ...referenced.values()]) {
      if (r.sender_id) {
        userIds.add(r.sender_id);
      }
    }
    const chatIds = [...new Set(rows.map((r) => r.chat_id))];
    const [users, files, reactions, members] = await Promise.all([
      new UsersRepo(db).findManyByIds([...userIds]),
      messages.filesByIds(rows.map((r) => r.file_id).filter((id): id is string => id !== null)),
      messages.reactionsOf(rows.map((r) => r.id)),
      new ChatsRepo(db).membersOf(chatIds),
    ]);
    const userById = new Map(users.map((u) => [u.id, u]));
    const fileById = new Map(files.map((f) => [f.id, f]));
    const reactionsById = new Map<string, ReactionRow[]>();
    for (const r of reactions) {
      (reactionsById.get(r.message_id) ?? reactionsById.set(r.message_id, []).get(r.message_id))?.push(r);
    }
    const membersByChat = new Map<string, MemberRow[]>();
    for (const m of members) {
      (membersByChat.get(m.chat_id) ?? membersByChat.set(m.chat_id, []).get(m.chat_id))?.push(m);
    }

    return rows.map((row) => {
      const deleted = row.deleted_at !== null;
      const file = !deleted && row.file_id ? fileById.get(row.file_id) : undefined;
      const info = file ? this.fileInfo(file) : null;
      const reply = row.reply_to_id ? referenced.get(row.reply_to_id) : undefined;
      const forward = row.forwarded_from_id ? referenced.get(row.forwarded_from_id) : undefined;
      const replyPreview: ReplyPreview | null = reply
        ? {
            id: reply.id,
            sender_id: reply.sender_id,
            sender_name: displayName(reply.sender_id ? userById.get(reply.sender_id) : undefined),
            content: reply.deleted_at === null ? reply.content : null,
            message_type: reply.type,
            is_deleted: reply.deleted_at !== null,
          }
        : null;
      return {
        id: row.id,
        chat_id: row.chat_id,
        seq: row.seq,
        sender_id: row.sender_id,
        sender_name: displayName(row.sender_id ? userById.get(row.sender_id) : undefined),
        message_type: row.type,
        content: deleted ? null : row.content,
        file_url: info?.url ?? null,
        file: info,
        reply_to: row.reply_to_id,
        reply_to_message: replyPreview,
        forwarded_from: forward
          ? {
              message_id: forward.id,
              chat_id: forward.chat_id,
              sender_id: forward.sender_id,
              sender_name: displayName(forward.sender_id ? userById.get(forward.sender_id) : undefined),
            }
          : null,
        edited_at: iso(row.edited_at),
        is_deleted: deleted,
        ...receipts(row, membersByChat.get(row.chat_id) ?? []),
        reactions: deleted ? {} : reactionMap(reactionsById.get(row.id) ?? []),
        client_id: row.client_id,
        created_at: iso(row.created_at),
      };
    });
  }

  async one(db: Kysely<Database>, row: MessageRow): Promise<Message> {
    const [message] = await this.build(db, [row]);
    return message as Message;
  }
}
