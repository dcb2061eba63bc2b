import type { Chat, LastMessage } from '@majlis/protocol';
import type { Kysely } from 'kysely';
import { iso } from '../../lib/time.js';
import type { Database } from '../../storage/schema.js';
import { displayName } from '../messages/messages.view.js';
import { MessagesRepo } from '../messages/messages.repo.js';
import { UsersRepo } from '../users/users.repo.js';
import type { UsersService } from '../users/users.service.js';
import { avatarUrl, type Viewer } from '../users/users.view.js';
import { ChatsRepo, type MyChatRow } from './chats.repo.js';

/** `muted_until` of a mute with no end ("until I unmute"): far enough to never come. */
export const MUTED_FOREVER = Date.UTC(9999, 11, 31);

/**
 * Turns my chat rows into API chats with a fixed number of queries for any number of chats:
 * members, their users, last messages and their senders are each loaded once for the batch.
 */
export class ChatViews {
  constructor(
    private readonly users: UsersService,
    private readonly now: () => number,
  ) {}

  async build(db: Kysely<Database>, rows: readonly MyChatRow[], viewer: Viewer): Promise<Chat[]> {
    if (rows.length === 0) {
      return [];
    }
    const chatIds = rows.map((r) => r.id);
    const [members, lastMessages] = await Promise.all([new ChatsRepo(db).membersOf(chatIds), new MessagesRepo(db).lastOf(chatIds)]);
    const userIds = new Set(members.map((m) => m.user_id));
    for (const m of lastMessages) {
      if (m.sender_id) {
        userIds.add(m.sender_id);
      }
    }
    const userRows = await new UsersRepo(db).findManyByIds([...userIds]);
    const userById = new Map(userRows.map((u) => [u.id, u]));
    const presented = new Map((await this.users.present(userRows, viewer)).map((u) => [u.id, u]));
    const lastByChat = new Map(lastMessages.map((m) => [m.chat_id, m]));
    const membersByChat = new Map<string, string[]>();
    for (const m of members) {
      (membersByChat.get(m.chat_id) ?? membersByChat.set(m.chat_id, []).get(m.chat_id))?.push(m.user_id);
    }
    const now = this.now();
    return rows.map((row) => {
      const memberIds = membersByChat.get(row.id) ?? [];
      const last = lastByChat.get(row.id);
      const lastMessage: LastMessage | null = last
        ? {
            id: last.id,
            seq: last.seq,
            content: last.deleted_at === null ? last.content : null,
            message_type: last.type,
            sender_id: last.sender_id,
            sender_name: displayName(last.sender_id ? userById.get(last.sender_id) : undefined),
            is_deleted: last.deleted_at !== null,
            created_at: iso(last.created_at),
          }
        : null;
      return {
        id: row.id,
        chat_type: row.type,
        group_name: row.name,
        group_image: avatarUrl(row.image),
        description: row.description,
        is_public: row.is_public === 1,
        participants: memberIds.map((id) => presented.get(id)).filter((u) => u !== undefined),
        member_count: memberIds.length,
        last_message: lastMessage,
        last_seq: row.last_seq,
        last_read_seq: row.my_last_read_seq,
        unread_count: Math.max(0, row.last_seq - row.my_last_read_seq),
        my_role: row.my_role,
        is_archived: row.my_archived_at !== null,
        is_muted: row.my_muted_until !== null && row.my_muted_until > now,
        muted_until: row.my_muted_until !== null && row.my_muted_until > now && row.my_muted_until !== MUTED_FOREVER ? iso(row.my_muted_until) : null,
        created_by: row.created_by,
        created_at: iso(row.created_at),
        updated_at: iso(row.updated_at),
        last_activity_at: iso(row.last_activity_at),
      };
    });
  }
}
