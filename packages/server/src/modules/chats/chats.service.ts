import type {
  AddParticipantsBody,
  Chat,
  ChatStatistics,
  CreateDirectBody,
  CreateGroupBody,
  MemberRole,
  MuteBody,
  PublicChat,
  PublicChatsQuery,
  UpdateGroupBody,
} from '@majlis/protocol';
import type { Kysely } from 'kysely';
import { AppError, invalidField } from '../../http/problem.js';
import type { Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { iso } from '../../lib/time.js';
import type { Database } from '../../storage/schema.js';
import type { Emit, Outbox, Trx } from '../events/outbox.js';
import { appendMessage } from '../messages/append.js';
import type { MessageViews } from '../messages/messages.view.js';
import type { AvatarService } from '../users/avatars.js';
import { type UserRow, UsersRepo } from '../users/users.repo.js';
import type { UsersService } from '../users/users.service.js';
import type { Viewer } from '../users/users.view.js';
import { requireChatAdmin, requireChatMember, requireChatOwner, requireGroup } from './access.js';
import { type ChatRow, ChatsRepo, type MyChatRow } from './chats.repo.js';
import { type ChatViews, MUTED_FOREVER } from './chats.view.js';

export interface ChatsDeps {
  db: Kysely<Database>;
  outbox: Outbox;
  users: UsersService;
  images: AvatarService;
  views: ChatViews;
  messageViews: MessageViews;
  clock: Clock;
}


function splitList(value: string | readonly string[] | undefined): string[] {
  const items = typeof value === 'string' ? value.split(',') : (value ?? []);
  return [...new Set(items.map((s) => s.trim()).filter(Boolean))];
}

/** A group name, trimmed; a blank one is refused like a missing one. */
function groupName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '') {
    throw invalidField('name', 'must not be blank');
  }
  return trimmed;
}

function nameOf(user: Pick<UserRow, 'username' | 'full_name'> | undefined): string {
  return user ? user.full_name || user.username : 'Someone';
}

/** A chat's public facts, carried by chat events (per-member fields come from GET /api/chats/{id}). */
function summary(chat: Pick<ChatRow, 'id' | 'type' | 'name' | 'description' | 'image' | 'is_public'>) {
  return {
    id: chat.id,
    chat_type: chat.type,
    group_name: chat.name,
    group_image: chat.image ? `/uploads/${chat.image}` : null,
    description: chat.description,
    is_public: chat.is_public === 1,
  };
}

/** Direct chats, groups and membership: the rules of who may do what. */
export class ChatsService {
  constructor(private readonly deps: ChatsDeps) {}

  private now(): number {
    return this.deps.clock.now();
  }

  /** Resolves emails/usernames and ids to live users; the rest are reported as not found. */
  private async resolveUsers(identifiers: readonly string[], ids: readonly string[]): Promise<{ users: UserRow[]; notFound: string[] }> {
    const repo = new UsersRepo(this.deps.db);
    const found = new Map<string, UserRow>();
    const notFound: string[] = [];
    for (const identifier of identifiers) {
      const user = await repo.findByIdentifier(identifier);
      if (user) {
        found.set(user.id, user);
      } else {
        notFound.push(identifier);
      }
    }
    const byId = (await repo.findManyByIds(ids)).filter((u) => u.deleted_at === null);
    for (const user of byId) {
      found.set(user.id, user);
    }
    for (const id of ids) {
      if (!found.has(id)) {
        notFound.push(id);
      }
    }
    return { users: [...found.values()], notFound };
  }

  private async systemMessage(trx: Trx, emit: Emit, chatId: string, actorId: string, text: string): Promise<void> {
    await appendMessage(trx, emit, this.deps.messageViews, { chatId, senderId: actorId, type: 'system', content: text }, this.now());
  }

  async view(chatId: string, viewer: Viewer): Promise<Chat> {
    const row = await requireChatMember(this.deps.db, chatId, viewer.id);
    const [chat] = await this.deps.views.build(this.deps.db, [row], viewer);
    return chat as Chat;
  }

  async list(viewer: Viewer, archived: boolean): Promise<Chat[]> {
    const rows = await new ChatsRepo(this.deps.db).listForUser(viewer.id, archived);
    return this.deps.views.build(this.deps.db, rows, viewer);
  }

  /** The direct chat with another user: the existing one, or a new one. */
  async openDirect(viewer: Viewer, input: CreateDirectBody): Promise<{ chatId: string; created: boolean }> {
    const repo = new UsersRepo(this.deps.db);
    let other: UserRow | undefined;
    if (input.user_id) {
      other = await repo.findActiveById(input.user_id);
    } else if (input.identifier) {
      other = await repo.findByIdentifier(input.identifier);
    } else {
      throw new AppError('validation_failed', {}, { errors: [{ field: 'identifier', message: 'send identifier (email or username) or user_id' }] });
    }
    if (!other) {
      throw new AppError('user_not_found');
    }
    if (other.id === viewer.id) {
      throw new AppError('cannot_chat_with_self');
    }
    // A block either way refuses the chat, also one that existed before the block.
    if (await this.deps.users.eitherBlocked(viewer.id, other.id)) {
      throw new AppError('blocked');
    }
    const key = [viewer.id, other.id].sort().join(':');
    const existing = await new ChatsRepo(this.deps.db).findDirect(key);
    if (existing) {
      return { chatId: existing.id, created: false };
    }
    const now = this.now();
    const chat: Omit<ChatRow, 'last_seq'> = {
      id: newId(),
      type: 'single',
      name: null,
      description: null,
      image: null,
      is_public: 0,
      direct_key: key,
      created_by: viewer.id,
      last_activity_at: now,
      created_at: now,
      updated_at: now,
      deleted_at: null,
    };
    try {
      await this.deps.outbox.run(async (trx, emit) => {
        const chats = new ChatsRepo(trx);
        await chats.insertChat(chat);
        await chats.insertMembers([viewer.id, other.id].map((user_id) => ({ chat_id: chat.id, user_id, role: 'member' as const, joined_at: now })));
        emit({ chat_id: chat.id, user_id: null, type: 'chat_created', payload: { chat_id: chat.id, seq: 0, chat: summary(chat), member_ids: [viewer.id, other.id] } });
      });
    } catch (error) {
      // Both users opened the chat at once: the unique key kept one; answer with it.
      const winner = await new ChatsRepo(this.deps.db).findDirect(key);
      if (winner) {
        return { chatId: winner.id, created: false };
      }
      throw error;
    }
    return { chatId: chat.id, created: true };
  }

  async createGroup(viewer: Viewer, body: CreateGroupBody, image: Buffer | null): Promise<{ chat_id: string; added: number; not_found: string[] }> {
    const name = groupName(body.name);
    const { users, notFound } = await this.resolveUsers(splitList(body.participant_emails), splitList(body.participant_ids));
    const others = users.filter((u) => u.id !== viewer.id);
    const imageKey = image ? await this.deps.images.store(image) : null;
    const now = this.now();
    const chat: Omit<ChatRow, 'last_seq'> = {
      id: newId(),
      type: 'group',
      name,
      description: body.description?.trim() || null,
      image: imageKey,
      is_public: body.is_public ? 1 : 0,
      direct_key: null,
      created_by: viewer.id,
      last_activity_at: now,
      created_at: now,
      updated_at: now,
      deleted_at: null,
    };
    const me = await this.deps.users.require(viewer.id);
    await this.deps.outbox.run(async (trx, emit) => {
      const chats = new ChatsRepo(trx);
      await chats.insertChat(chat);
      await chats.insertMembers([
        { chat_id: chat.id, user_id: viewer.id, role: 'owner', joined_at: now },
        ...others.map((u) => ({ chat_id: chat.id, user_id: u.id, role: 'member' as const, joined_at: now })),
      ]);
      emit({
        chat_id: chat.id,
        user_id: null,
        type: 'chat_created',
        payload: { chat_id: chat.id, seq: 0, chat: summary(chat), member_ids: [viewer.id, ...others.map((u) => u.id)] },
      });
      await this.systemMessage(trx, emit, chat.id, viewer.id, `${nameOf(me)} created the group "${chat.name}"`);
    });
    return { chat_id: chat.id, added: others.length, not_found: notFound };
  }

  async publicGroups(viewer: Viewer, query: PublicChatsQuery): Promise<PublicChat[]> {
    const repo = new ChatsRepo(this.deps.db);
    const rows = await repo.publicGroups((query.query ?? query.q ?? '').trim(), query.skip ?? 0, query.limit ?? 50);
    const ids = rows.map((r) => r.id);
    const [counts, mine] = await Promise.all([repo.memberCounts(ids), repo.chatIdsOf(viewer.id)]);
    const myChats = new Set(mine);
    return rows.map((r) => ({
      id: r.id,
      group_name: r.name,
      group_image: r.image ? `/uploads/${r.image}` : null,
      description: r.description,
      member_count: counts.get(r.id) ?? 0,
      is_member: myChats.has(r.id),
      last_activity_at: iso(r.last_activity_at),
      created_at: iso(r.created_at),
    }));
  }

  async join(viewer: Viewer, chatId: string): Promise<void> {
    const repo = new ChatsRepo(this.deps.db);
    const chat = await repo.findById(chatId);
    if (!chat) {
      throw new AppError('chat_not_found');
    }
    if (await repo.member(chatId, viewer.id)) {
      return;
    }
    if (chat.type !== 'group' || chat.is_public !== 1) {
      throw new AppError('not_public');
    }
    const me = await this.deps.users.require(viewer.id);
    const now = this.now();
    await this.deps.outbox.run(async (trx, emit) => {
      const added = await new ChatsRepo(trx).insertMembers([{ chat_id: chatId, user_id: viewer.id, role: 'member', joined_at: now }]);
      if (added.length === 0) {
        return; // a concurrent join of mine got there first
      }
      emit({ chat_id: chatId, user_id: null, type: 'member_added', payload: { chat_id: chatId, user_ids: [viewer.id], by: viewer.id } });
      await this.systemMessage(trx, emit, chatId, viewer.id, `${nameOf(me)} joined`);
    });
  }

  /** Leaves a group; an owner who leaves hands ownership to the oldest admin, else the oldest member. */
  async leave(viewer: Viewer, chatId: string): Promise<void> {
    const chat = await requireChatMember(this.deps.db, chatId, viewer.id);
    requireGroup(chat);
    const me = await this.deps.users.require(viewer.id);
    await this.deps.outbox.run(async (trx, emit) => {
      const chats = new ChatsRepo(trx);
      await chats.removeMember(chatId, viewer.id);
      emit({ chat_id: chatId, user_id: null, type: 'member_removed', payload: { chat_id: chatId, user_id: viewer.id, by: viewer.id } });
      emit({ chat_id: chatId, user_id: viewer.id, type: 'chat_removed', payload: { chat_id: chatId, reason: 'left' } });
      const rest = await chats.members(chatId);
      if (rest.length === 0) {
        await chats.update(chatId, { deleted_at: this.now() });
        return;
      }
      await this.systemMessage(trx, emit, chatId, viewer.id, `${nameOf(me)} left`);
      if (chat.my_role === 'owner') {
        const heir = rest.find((m) => m.role === 'admin') ?? rest[0];
        if (heir) {
          await chats.updateMember(chatId, heir.user_id, { role: 'owner' });
          const heirUser = await new UsersRepo(trx).findById(heir.user_id);
          emit({ chat_id: chatId, user_id: null, type: 'chat_updated', payload: { chat_id: chatId, member: { user_id: heir.user_id, role: 'owner' }, by: viewer.id } });
          await this.systemMessage(trx, emit, chatId, viewer.id, `${nameOf(heirUser)} is now the owner`);
        }
      }
    });
  }

  async addParticipants(viewer: Viewer, chatId: string, body: AddParticipantsBody): Promise<{ added: number; not_found: string[] }> {
    const chat = await requireChatMember(this.deps.db, chatId, viewer.id);
    requireChatAdmin(chat);
    const { users, notFound } = await this.resolveUsers(splitList(body.emails), splitList(body.user_ids));
    const existing = new Set(await new ChatsRepo(this.deps.db).memberIds(chatId));
    const fresh = users.filter((u) => !existing.has(u.id));
    if (fresh.length === 0) {
      return { added: 0, not_found: notFound };
    }
    const me = await this.deps.users.require(viewer.id);
    const now = this.now();
    const added = await this.deps.outbox.run(async (trx, emit) => {
      const ids = new Set(
        await new ChatsRepo(trx).insertMembers(fresh.map((u) => ({ chat_id: chatId, user_id: u.id, role: 'member' as const, joined_at: now }))),
      );
      // Only those really added now (a concurrent add may have taken some).
      const newcomers = fresh.filter((u) => ids.has(u.id));
      if (newcomers.length > 0) {
        emit({ chat_id: chatId, user_id: null, type: 'member_added', payload: { chat_id: chatId, user_ids: newcomers.map((u) => u.id), by: viewer.id } });
        await this.systemMessage(trx, emit, chatId, viewer.id, `${nameOf(me)} added ${newcomers.map(nameOf).join(', ')}`);
      }
      return newcomers.length;
    });
    return { added, not_found: notFound };
  }

  /** Admins remove members; only the owner removes admins; nobody removes the owner; anyone removes themself (= leave). */
  async removeParticipant(viewer: Viewer, chatId: string, userId: string): Promise<void> {
    if (userId === viewer.id) {
      return this.leave(viewer, chatId);
    }
    const chat = await requireChatMember(this.deps.db, chatId, viewer.id);
    requireChatAdmin(chat);
    const target = await new ChatsRepo(this.deps.db).member(chatId, userId);
    if (!target) {
      throw new AppError('member_not_found');
    }
    if (target.role === 'owner') {
      throw new AppError('cannot_remove_owner');
    }
    if (target.role === 'admin' && chat.my_role !== 'owner') {
      throw new AppError('chat_owner_required');
    }
    const [me, them] = await Promise.all([this.deps.users.require(viewer.id), new UsersRepo(this.deps.db).findById(userId)]);
    await this.deps.outbox.run(async (trx, emit) => {
      await new ChatsRepo(trx).removeMember(chatId, userId);
      emit({ chat_id: chatId, user_id: null, type: 'member_removed', payload: { chat_id: chatId, user_id: userId, by: viewer.id } });
      emit({ chat_id: chatId, user_id: userId, type: 'chat_removed', payload: { chat_id: chatId, reason: 'removed' } });
      await this.systemMessage(trx, emit, chatId, viewer.id, `${nameOf(me)} removed ${nameOf(them)}`);
    });
  }

  async updateGroup(viewer: Viewer, chatId: string, body: UpdateGroupBody, image: Buffer | null) {
    const chat = await requireChatMember(this.deps.db, chatId, viewer.id);
    requireChatAdmin(chat);
    const patch: Partial<ChatRow> = {};
    if (body.name !== undefined) {
      patch.name = groupName(body.name);
    }
    if (body.description !== undefined) {
      patch.description = body.description?.trim() || null;
    }
    if (body.is_public !== undefined) {
      patch.is_public = body.is_public ? 1 : 0;
    }
    if (image) {
      patch.image = await this.deps.images.store(image);
    }
    const me = await this.deps.users.require(viewer.id);
    const updated = { ...chat, ...patch };
    if (Object.keys(patch).length > 0) {
      patch.updated_at = this.now();
      await this.deps.outbox.run(async (trx, emit) => {
        await new ChatsRepo(trx).update(chatId, patch);
        emit({ chat_id: chatId, user_id: null, type: 'chat_updated', payload: { chat_id: chatId, chat: summary(updated), by: viewer.id } });
        if (patch.name !== undefined && patch.name !== chat.name) {
          await this.systemMessage(trx, emit, chatId, viewer.id, `${nameOf(me)} renamed the group to "${patch.name}"`);
        }
      });
      if (image && chat.image) {
        await this.deps.images.remove(chat.image);
      }
    }
    const s = summary(updated);
    return { id: s.id, group_name: s.group_name, group_image: s.group_image, description: s.description, is_public: s.is_public };
  }

  /** Owner and admins promote; only the owner demotes. */
  async setRole(viewer: Viewer, chatId: string, userId: string, role: Exclude<MemberRole, 'owner'>): Promise<void> {
    const chat = await requireChatMember(this.deps.db, chatId, viewer.id);
    if (role === 'admin') {
      requireChatAdmin(chat);
    } else {
      requireChatOwner(chat);
    }
    const target = await new ChatsRepo(this.deps.db).member(chatId, userId);
    if (!target) {
      throw new AppError('member_not_found');
    }
    if (target.role === 'owner') {
      throw new AppError('owner_role_fixed');
    }
    if (target.role === role) {
      return;
    }
    const [me, them] = await Promise.all([this.deps.users.require(viewer.id), new UsersRepo(this.deps.db).findById(userId)]);
    await this.deps.outbox.run(async (trx, emit) => {
      await new ChatsRepo(trx).updateMember(chatId, userId, { role });
      emit({ chat_id: chatId, user_id: null, type: 'chat_updated', payload: { chat_id: chatId, member: { user_id: userId, role }, by: viewer.id } });
      const text = role === 'admin' ? `${nameOf(me)} made ${nameOf(them)} an admin` : `${nameOf(me)} removed ${nameOf(them)} as admin`;
      await this.systemMessage(trx, emit, chatId, viewer.id, text);
    });
  }

  async setArchived(viewer: Viewer, chatId: string, archived: boolean): Promise<void> {
    await requireChatMember(this.deps.db, chatId, viewer.id);
    await new ChatsRepo(this.deps.db).updateMember(chatId, viewer.id, { archived_at: archived ? this.now() : null });
  }

  async setMuted(viewer: Viewer, chatId: string, body: MuteBody | null, muted: boolean): Promise<string | null> {
    await requireChatMember(this.deps.db, chatId, viewer.id);
    let until: number | null = null;
    if (muted) {
      if (body?.until) {
        until = Date.parse(body.until);
        if (!(until > this.now())) {
          throw invalidField('until', 'must be in the future');
        }
      } else if (body?.duration_seconds) {
        until = this.now() + body.duration_seconds * 1000;
      } else {
        until = MUTED_FOREVER;
      }
    }
    await new ChatsRepo(this.deps.db).updateMember(chatId, viewer.id, { muted_until: until });
    return until === null || until === MUTED_FOREVER ? null : iso(until);
  }

  /** The owner deletes a group: every member gets `chat_removed`. */
  async deleteGroup(viewer: Viewer, chatId: string): Promise<void> {
    const chat = await requireChatMember(this.deps.db, chatId, viewer.id);
    requireChatOwner(chat);
    const members = await new ChatsRepo(this.deps.db).memberIds(chatId);
    await this.deps.outbox.run(async (trx, emit) => {
      await new ChatsRepo(trx).update(chatId, { deleted_at: this.now(), updated_at: this.now() });
      for (const userId of members) {
        emit({ chat_id: chatId, user_id: userId, type: 'chat_removed', payload: { chat_id: chatId, reason: 'deleted' } });
      }
    });
    if (chat.image) {
      await this.deps.images.remove(chat.image);
    }
  }

  async statistics(): Promise<ChatStatistics> {
    const s = await new ChatsRepo(this.deps.db).statistics(this.now() - 86_400_000);
    return {
      total_chats: s.total,
      direct_chats: s.direct,
      group_chats: s.groups,
      public_groups: s.publicGroups,
      new_last_24h: s.new24h,
      memberships: s.memberships,
      total_messages: s.messages,
      messages_last_24h: s.messages24h,
    };
  }
}

export type { MyChatRow };
