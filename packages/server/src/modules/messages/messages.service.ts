import type { ForwardBody, Message, MessagePage, MessagesQuery, Reactions } from '@majlis/protocol';
import type { Kysely } from 'kysely';
import { AppError, invalidField } from '../../http/problem.js';
import type { Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { searchText, searchWords } from '../../lib/text/fold.js';
import { iso } from '../../lib/time.js';
import type { Database } from '../../storage/schema.js';
import { requireChatMember } from '../chats/access.js';
import { ChatsRepo, type MyChatRow } from '../chats/chats.repo.js';
import type { Outbox } from '../events/outbox.js';
import type { FilesService } from '../files/files.service.js';
import type { UsersService } from '../users/users.service.js';
import type { Viewer } from '../users/users.view.js';
import { appendMessage } from './append.js';
import { type MessageRow, MessagesRepo } from './messages.repo.js';
import { type MessageViews, reactionMap } from './messages.view.js';

export interface MessagesDeps {
  db: Kysely<Database>;
  outbox: Outbox;
  views: MessageViews;
  files: FilesService;
  users: UsersService;
  clock: Clock;
}

export interface SendInput {
  content: string | null;
  message_type?: 'text' | 'image' | 'file' | 'audio' | 'video' | undefined;
  reply_to?: string | null | undefined;
  client_id?: string | undefined;
}

export interface UploadInput {
  data: Buffer;
  filename: string;
}

/** Result of a send: the message, and whether it was created now or replayed for a repeated client_id. */
export interface Sent {
  message: Message;
  replayed: boolean;
}

const DEFAULT_LIMIT = 50;
const SEARCH_LIMIT = 50;

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/.test(e?.message ?? '');
}

/** Sending, reading, editing, deleting, reacting, forwarding and searching messages. */
export class MessagesService {
  constructor(private readonly deps: MessagesDeps) {}

  private now(): number {
    return this.deps.clock.now();
  }

  /** A message of this chat (any state), or 404. */
  private async requireMessage(chatId: string, messageId: string): Promise<MessageRow> {
    const row = await new MessagesRepo(this.deps.db).findById(messageId);
    if (!row || row.chat_id !== chatId) {
      throw new AppError('message_not_found');
    }
    return row;
  }

  /** In a direct chat, a block either way stops messages. */
  private async assertNotBlocked(chat: MyChatRow, senderId: string): Promise<void> {
    if (chat.type !== 'single') {
      return;
    }
    const other = (await new ChatsRepo(this.deps.db).memberIds(chat.id)).find((id) => id !== senderId);
    if (other && (await this.deps.users.eitherBlocked(senderId, other))) {
      throw new AppError('blocked');
    }
  }

  async page(viewer: Viewer, chatId: string, query: MessagesQuery): Promise<MessagePage> {
    const chat = await requireChatMember(this.deps.db, chatId, viewer.id);
    const repo = new MessagesRepo(this.deps.db);
    const limit = query.limit ?? DEFAULT_LIMIT;
    const skip = query.skip ?? 0;
    let rows: MessageRow[];
    let hasMore: boolean;
    // Messages I hid for myself are not mine to see: total counts what I see.
    const total = chat.last_seq - (await repo.hiddenCount(chatId, viewer.id));
    if (query.before_seq !== undefined) {
      rows = await repo.pageBefore(chatId, viewer.id, query.before_seq, limit);
      const oldest = rows[0]?.seq;
      hasMore = oldest !== undefined && oldest > 1 && (await repo.hasVisibleBefore(chatId, viewer.id, oldest));
    } else if (query.after_seq !== undefined) {
      rows = await repo.pageAfter(chatId, viewer.id, query.after_seq, limit);
      hasMore = rows.length === limit && (rows.at(-1)?.seq ?? chat.last_seq) < chat.last_seq;
    } else {
      rows = await repo.pageFromNewest(chatId, viewer.id, skip, limit);
      hasMore = skip + rows.length < total;
    }
    await this.markDelivered(chat, viewer.id, rows.at(-1));
    return { messages: await this.deps.views.build(this.deps.db, rows), total, has_more: hasMore, skip, limit };
  }

  /** Having fetched messages, the reader has them: tell their senders (delivered). */
  private async markDelivered(chat: MyChatRow, userId: string, newest: MessageRow | undefined): Promise<void> {
    if (!newest) {
      return;
    }
    await this.deps.outbox.run(async (trx, emit) => {
      if (await new ChatsRepo(trx).advanceDelivered(chat.id, userId, newest.seq)) {
        emit({
          chat_id: chat.id,
          user_id: null,
          type: 'message_status',
          payload: { chat_id: chat.id, message_id: newest.id, status: 'delivered', user_id: userId, seq: chat.last_seq, up_to_seq: newest.seq },
        });
      }
    });
  }

  /** 404/403 unless the viewer is a member of the chat. */
  async requireMember(viewer: Viewer, chatId: string): Promise<void> {
    await requireChatMember(this.deps.db, chatId, viewer.id);
  }

  async get(viewer: Viewer, chatId: string, messageId: string): Promise<Message> {
    await requireChatMember(this.deps.db, chatId, viewer.id);
    const row = await this.requireMessage(chatId, messageId);
    if (await new MessagesRepo(this.deps.db).isHidden(row.id, viewer.id)) {
      throw new AppError('message_not_found');
    }
    return this.deps.views.one(this.deps.db, row);
  }

  /**
   * Sends a message, exactly once per (chat, sender, client_id): a repeated client_id returns
   * the original and creates nothing, also when the repeats race each other.
   */
  async send(viewer: Viewer, chatId: string, input: SendInput, upload?: UploadInput): Promise<Sent> {
    // Every transport (REST, WebSocket, Socket.io, compat adapters) comes through here.
    if (!upload && (input.content ?? '').trim() === '') {
      throw new AppError('content_required', {}, { errors: [{ field: 'content', message: 'is required' }] });
    }
    const chat = await requireChatMember(this.deps.db, chatId, viewer.id);
    const repo = new MessagesRepo(this.deps.db);
    if (input.client_id) {
      const original = await repo.findByClientId(chatId, viewer.id, input.client_id);
      if (original) {
        return { message: await this.deps.views.one(this.deps.db, original), replayed: true };
      }
    }
    await this.assertNotBlocked(chat, viewer.id);
    if (input.reply_to) {
      const target = await repo.findById(input.reply_to);
      if (!target || target.chat_id !== chatId) {
        throw new AppError('invalid_reply', {}, { errors: [{ field: 'reply_to', message: 'no such message in this chat' }] });
      }
    }
    const stored = upload ? await this.deps.files.ingest(upload.data) : null;
    const now = this.now();
    try {
      const message = await this.deps.outbox.run(async (trx, emit) => {
        let fileId: string | null = null;
        if (stored && upload) {
          fileId = newId();
          await new MessagesRepo(trx).insertFile({
            id: fileId,
            chat_id: chatId,
            uploader_id: viewer.id,
            storage_key: stored.key,
            thumb_key: stored.thumbKey,
            name: upload.filename,
            size: stored.size,
            mime: stored.mime,
            width: stored.width,
            height: stored.height,
            created_at: now,
            deleted_at: null,
          });
        }
        return appendMessage(
          trx,
          emit,
          this.deps.views,
          {
            chatId,
            senderId: viewer.id,
            type: stored ? stored.messageType : (input.message_type ?? 'text'),
            content: input.content ?? (upload ? upload.filename : null),
            fileId,
            replyToId: input.reply_to ?? null,
            clientId: input.client_id ?? null,
          },
          now,
        );
      });
      return { message, replayed: false };
    } catch (error) {
      if (stored) {
        await this.deps.files.remove(stored.key, stored.thumbKey);
      }
      // A concurrent retry with the same client_id won: return what it created.
      if (input.client_id && isUniqueViolation(error)) {
        const original = await repo.findByClientId(chatId, viewer.id, input.client_id);
        if (original) {
          return { message: await this.deps.views.one(this.deps.db, original), replayed: true };
        }
      }
      throw error;
    }
  }

  /** The sender edits the text of a text message; the previous text goes to the edit history. */
  async edit(viewer: Viewer, chatId: string, messageId: string, content: string): Promise<Message> {
    await requireChatMember(this.deps.db, chatId, viewer.id);
    const row = await this.requireMessage(chatId, messageId);
    if (row.sender_id !== viewer.id || row.type === 'system') {
      throw new AppError('not_sender');
    }
    if (row.deleted_at !== null) {
      throw new AppError('message_deleted');
    }
    if (row.type !== 'text') {
      throw new AppError('not_editable');
    }
    const now = this.now();
    return this.deps.outbox.run(async (trx, emit) => {
      const messages = new MessagesRepo(trx);
      // Re-read under the row lock: a concurrent edit or delete may have just committed.
      const current = await messages.lock(row.id);
      if (!current) {
        throw new AppError('message_not_found');
      }
      if (current.deleted_at !== null) {
        throw new AppError('message_deleted');
      }
      if (current.content === content) {
        return this.deps.views.one(trx, current);
      }
      const updated: MessageRow = { ...current, content, search_text: searchText(content), edited_at: now };
      await messages.insertEdit({ id: newId(), message_id: row.id, content: current.content ?? '', edited_at: now });
      await messages.update(row.id, { content, search_text: updated.search_text, edited_at: now });
      const message = await this.deps.views.one(trx, updated);
      emit({ chat_id: chatId, user_id: null, type: 'message_edited', payload: { chat_id: chatId, message } });
      return message;
    });
  }

  async history(viewer: Viewer, chatId: string, messageId: string): Promise<Array<{ content: string; edited_at: string }>> {
    await requireChatMember(this.deps.db, chatId, viewer.id);
    const row = await this.requireMessage(chatId, messageId);
    if (row.deleted_at !== null) {
      return [];
    }
    const edits = await new MessagesRepo(this.deps.db).edits(messageId);
    return edits.map((e) => ({ content: e.content, edited_at: iso(e.edited_at) }));
  }

  /**
   * Deletes for everyone: the sender, or a group's owner/admins. The message stays as a tombstone
   * (seq kept, content, edits, reactions and file gone, the file's bytes removed from storage).
   */
  async delete(viewer: Viewer, chatId: string, messageId: string, scope: 'everyone' | 'me' = 'everyone'): Promise<void> {
    const chat = await requireChatMember(this.deps.db, chatId, viewer.id);
    const row = await this.requireMessage(chatId, messageId);
    if (scope === 'me') {
      await this.hideForMe(viewer.id, chat, row);
      return;
    }
    const isAdmin = chat.type === 'group' && (chat.my_role === 'owner' || chat.my_role === 'admin');
    if (row.sender_id !== viewer.id && !isAdmin) {
      throw new AppError('not_sender');
    }
    if (row.deleted_at !== null) {
      return;
    }
    const now = this.now();
    const file = row.file_id ? await new MessagesRepo(this.deps.db).findFile(row.file_id) : undefined;
    const deleted = await this.deps.outbox.run(async (trx, emit) => {
      const messages = new MessagesRepo(trx);
      // Under the row lock, so that of concurrent deletes exactly one tombstones (and tells).
      const current = await messages.lock(row.id);
      if (!current || current.deleted_at !== null) {
        return false;
      }
      await messages.update(row.id, { content: null, search_text: null, deleted_at: now });
      await messages.deleteReactions(row.id);
      await trx.deleteFrom('message_edits').where('message_id', '=', row.id).execute();
      if (file) {
        await messages.markFileDeleted(file.id, now);
      }
      emit({ chat_id: chatId, user_id: null, type: 'message_deleted', payload: { chat_id: chatId, message_id: row.id, deleted_by: viewer.id } });
      return true;
    });
    if (deleted && file) {
      await this.deps.files.remove(file.storage_key, file.thumb_key);
    }
  }

  /**
   * Hides a message for one member only (any member, any message): it leaves their pages, search
   * and GETs; the others see no change. Their other devices learn it from an event addressed to them.
   */
  private async hideForMe(userId: string, chat: MyChatRow, row: MessageRow): Promise<void> {
    await this.deps.outbox.run(async (trx, emit) => {
      if (await new MessagesRepo(trx).hide(row.id, chat.id, userId, this.now())) {
        emit({
          chat_id: chat.id,
          user_id: userId,
          type: 'message_deleted',
          payload: { chat_id: chat.id, message_id: row.id, deleted_by: userId, for: 'me' },
        });
      }
    });
  }

  async react(viewer: Viewer, chatId: string, messageId: string, emoji: string): Promise<{ status: 'reacted' | 'unreacted'; reactions: Reactions }> {
    await requireChatMember(this.deps.db, chatId, viewer.id);
    const row = await this.requireMessage(chatId, messageId);
    if (row.deleted_at !== null) {
      throw new AppError('message_deleted');
    }
    const value = emoji.trim();
    if (value === '') {
      throw invalidField('emoji', 'must not be blank');
    }
    return this.deps.outbox.run(async (trx, emit) => {
      const messages = new MessagesRepo(trx);
      // Under the row lock: toggles queue, and a delete that just committed wins.
      if ((await messages.lock(row.id))?.deleted_at !== null) {
        throw new AppError('message_deleted');
      }
      const added = await messages.toggleReaction(row.id, viewer.id, value, this.now());
      const reactions = reactionMap(await messages.reactionsOf([row.id]));
      emit({
        chat_id: chatId,
        user_id: null,
        type: 'message_reaction',
        payload: { chat_id: chatId, message_id: row.id, reactions, user_id: viewer.id, emoji: value, action: added ? 'added' : 'removed' },
      });
      return { status: added ? ('reacted' as const) : ('unreacted' as const), reactions };
    });
  }

  /**
   * Forwards into several chats at once, all or nothing: the caller must be a member of every
   * target, and the copies are written in one transaction (a failure leaves no partial forward).
   */
  async forward(viewer: Viewer, chatId: string, messageId: string, body: ForwardBody): Promise<Message[]> {
    await requireChatMember(this.deps.db, chatId, viewer.id);
    const row = await this.requireMessage(chatId, messageId);
    if (row.deleted_at !== null || row.type === 'system') {
      throw new AppError('not_forwardable');
    }
    const targets: MyChatRow[] = [];
    for (const id of [...new Set(body.target_chat_ids)]) {
      const target = await requireChatMember(this.deps.db, id, viewer.id);
      await this.assertNotBlocked(target, viewer.id);
      targets.push(target);
    }
    const file = row.file_id ? await new MessagesRepo(this.deps.db).findFile(row.file_id) : undefined;
    // Keep pointing at the original author's message when forwarding a forward.
    const source = row.forwarded_from_id ?? row.id;
    const copies = new Map<string, { key: string; thumbKey: string | null }>();
    try {
      if (file) {
        for (const target of targets) {
          const copy = await this.deps.files.copy(file.storage_key, file.thumb_key);
          if (copy) {
            copies.set(target.id, copy);
          }
        }
      }
      const now = this.now();
      // Chats are locked (nextSeq) in id order, so two forwards into the same chats never deadlock.
      const inLockOrder = [...targets].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
      const byChat = await this.deps.outbox.run(async (trx, emit) => {
        const out = new Map<string, Message>();
        for (const target of inLockOrder) {
          const copy = copies.get(target.id);
          let fileId: string | null = null;
          if (file && copy) {
            fileId = newId();
            await new MessagesRepo(trx).insertFile({ ...file, id: fileId, chat_id: target.id, uploader_id: viewer.id, storage_key: copy.key, thumb_key: copy.thumbKey, created_at: now });
          }
          out.set(
            target.id,
            await appendMessage(trx, emit, this.deps.views, { chatId: target.id, senderId: viewer.id, type: row.type, content: row.content, fileId, forwardedFromId: source }, now),
          );
        }
        return out;
      });
      return targets.map((t) => byChat.get(t.id) as Message);
    } catch (error) {
      for (const copy of copies.values()) {
        await this.deps.files.remove(copy.key, copy.thumbKey);
      }
      throw error;
    }
  }

  /** Marks this message and everything before it read. */
  async read(viewer: Viewer, chatId: string, messageId: string): Promise<void> {
    const chat = await requireChatMember(this.deps.db, chatId, viewer.id);
    const row = await this.requireMessage(chatId, messageId);
    await this.markRead(chat, viewer.id, row);
  }

  /** Marks the whole chat read; returns how many messages from others became read. */
  async readAll(viewer: Viewer, chatId: string): Promise<number> {
    const chat = await requireChatMember(this.deps.db, chatId, viewer.id);
    const last = await new MessagesRepo(this.deps.db).findBySeq(chatId, chat.last_seq);
    if (!last) {
      return 0;
    }
    return this.markRead(chat, viewer.id, last);
  }

  private async markRead(chat: MyChatRow, userId: string, upTo: MessageRow): Promise<number> {
    return this.deps.outbox.run(async (trx, emit) => {
      const previous = await new ChatsRepo(trx).advanceRead(chat.id, userId, upTo.seq);
      if (previous === null) {
        return 0;
      }
      emit({
        chat_id: chat.id,
        user_id: null,
        type: 'message_status',
        payload: { chat_id: chat.id, message_id: upTo.id, status: 'read', user_id: userId, seq: chat.last_seq, up_to_seq: upTo.seq },
      });
      return new MessagesRepo(trx).countFromOthers(chat.id, userId, previous, upTo.seq);
    });
  }

  /** Search in one chat, or (chatId null) in every chat of mine: newest first. */
  async search(viewer: Viewer, chatId: string | null, text: string, limit = SEARCH_LIMIT): Promise<Message[]> {
    const chatIds = chatId ? [(await requireChatMember(this.deps.db, chatId, viewer.id)).id] : await new ChatsRepo(this.deps.db).chatIdsOf(viewer.id);
    const terms = [...new Set(searchWords(text))].slice(0, 10);
    const rows = await new MessagesRepo(this.deps.db).search(chatIds, viewer.id, terms, limit);
    return this.deps.views.build(this.deps.db, rows);
  }
}
