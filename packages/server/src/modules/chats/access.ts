import type { Kysely } from 'kysely';
import { AppError } from '../../http/problem.js';
import type { Database } from '../../storage/schema.js';
import { ChatsRepo, type MyChatRow } from './chats.repo.js';

/**
 * The one access chokepoint: the only way a service loads a chat for a user. 404 when the chat
 * does not exist (or was deleted), 403 when the caller is not a member.
 */
export async function requireChatMember(db: Kysely<Database>, chatId: string, userId: string): Promise<MyChatRow> {
  const repo = new ChatsRepo(db);
  const chat = await repo.forUser(chatId, userId);
  if (chat) {
    return chat;
  }
  throw new AppError((await repo.findById(chatId)) ? 'not_a_member' : 'chat_not_found');
}

/** The chat must be a group. */
export function requireGroup(chat: MyChatRow): void {
  if (chat.type !== 'group') {
    throw new AppError('not_a_group');
  }
}

/** The caller must be the group's owner or one of its admins. */
export function requireChatAdmin(chat: MyChatRow): void {
  requireGroup(chat);
  if (chat.my_role !== 'owner' && chat.my_role !== 'admin') {
    throw new AppError('chat_admin_required');
  }
}

/** The caller must own the group. */
export function requireChatOwner(chat: MyChatRow): void {
  requireGroup(chat);
  if (chat.my_role !== 'owner') {
    throw new AppError('chat_owner_required');
  }
}
