import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import type { Database, FilesTable, MessagesTable, ReactionsTable } from '../../storage/schema.js';
import { isPostgres } from '../../storage/dialects/detect.js';

export type MessageRow = Omit<MessagesTable, 'rid'> & { rid?: number };
export type FileRow = FilesTable;
export type ReactionRow = ReactionsTable;

/** `messages` rows that `viewer` has not hidden for themself (delete for me). */
function notHiddenFor(eb: ExpressionBuilder<Database, 'messages'>, viewer: string) {
  return eb.not(
    eb.exists(
      eb
        .selectFrom('message_hides')
        .select('message_hides.message_id')
        .whereRef('message_hides.message_id', '=', 'messages.id')
        .where('message_hides.user_id', '=', viewer),
    ),
  );
}

const COLUMNS = [
  'id',
  'chat_id',
  'seq',
  'sender_id',
  'type',
  'content',
  'search_text',
  'file_id',
  'reply_to_id',
  'forwarded_from_id',
  'client_id',
  'edited_at',
  'deleted_at',
  'created_at',
] as const;

/** All SQL about messages, edits, reactions and files. Bind it to a transaction with `new MessagesRepo(trx)`. */
export class MessagesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: MessageRow): Promise<void> {
    const { rid: _rid, ...values } = row;
    await this.db.insertInto('messages').values(values).execute();
  }

  findById(id: string): Promise<MessageRow | undefined> {
    return this.db.selectFrom('messages').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  }

  /**
   * The message, locked until the transaction ends: concurrent edits, deletes and reactions of one
   * message queue here and each sees the state the one before it left. (PostgreSQL row lock;
   * SQLite runs one write transaction at a time, so a plain read is enough there.)
   */
  lock(id: string): Promise<MessageRow | undefined> {
    const q = this.db.selectFrom('messages').select(COLUMNS).where('id', '=', id);
    return (isPostgres(this.db) ? q.forUpdate() : q).executeTakeFirst();
  }

  findManyByIds(ids: readonly string[]): Promise<MessageRow[]> {
    return ids.length === 0 ? Promise.resolve([]) : this.db.selectFrom('messages').select(COLUMNS).where('id', 'in', ids).execute();
  }

  /** The message a sender already sent with this client_id in this chat (exactly-once). */
  findByClientId(chatId: string, senderId: string, clientId: string): Promise<MessageRow | undefined> {
    return this.db
      .selectFrom('messages')
      .select(COLUMNS)
      .where('chat_id', '=', chatId)
      .where('sender_id', '=', senderId)
      .where('client_id', '=', clientId)
      .executeTakeFirst();
  }

  /** A chat's messages as `viewer` sees them: without those they hid for themselves. */
  private visible(chatId: string, viewer: string) {
    return this.db
      .selectFrom('messages')
      .select(COLUMNS)
      .where('chat_id', '=', chatId)
      .where((eb) => notHiddenFor(eb, viewer));
  }

  /** The newest `limit` messages after skipping `skip` from the newest, returned oldest → newest. */
  async pageFromNewest(chatId: string, viewer: string, skip: number, limit: number): Promise<MessageRow[]> {
    const rows = await this.visible(chatId, viewer).orderBy('seq', 'desc').offset(skip).limit(limit).execute();
    return rows.reverse();
  }

  /** The `limit` messages just before `seq` (an index range scan: as fast at any depth), oldest → newest. */
  async pageBefore(chatId: string, viewer: string, seq: number, limit: number): Promise<MessageRow[]> {
    const rows = await this.visible(chatId, viewer).where('seq', '<', seq).orderBy('seq', 'desc').limit(limit).execute();
    return rows.reverse();
  }

  pageAfter(chatId: string, viewer: string, seq: number, limit: number): Promise<MessageRow[]> {
    return this.visible(chatId, viewer).where('seq', '>', seq).orderBy('seq').limit(limit).execute();
  }

  /** True when `viewer` sees some message of the chat with a seq below `seq`. */
  async hasVisibleBefore(chatId: string, viewer: string, seq: number): Promise<boolean> {
    return (await this.visible(chatId, viewer).where('seq', '<', seq).limit(1).executeTakeFirst()) !== undefined;
  }

  // Hidden for me

  /** Hides a message for one member only (again is fine); true when it was not hidden before. */
  async hide(messageId: string, chatId: string, userId: string, now: number): Promise<boolean> {
    const row = await this.db
      .insertInto('message_hides')
      .values({ user_id: userId, message_id: messageId, chat_id: chatId, created_at: now })
      .onConflict((oc) => oc.columns(['user_id', 'message_id']).doNothing())
      .returning('message_id')
      .executeTakeFirst();
    return row !== undefined;
  }

  async isHidden(messageId: string, userId: string): Promise<boolean> {
    const row = await this.db.selectFrom('message_hides').select('message_id').where('user_id', '=', userId).where('message_id', '=', messageId).executeTakeFirst();
    return row !== undefined;
  }

  /** How many messages of the chat `userId` hid for themselves. */
  async hiddenCount(chatId: string, userId: string): Promise<number> {
    const row = await this.db
      .selectFrom('message_hides')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where('chat_id', '=', chatId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  findBySeq(chatId: string, seq: number): Promise<MessageRow | undefined> {
    return this.db.selectFrom('messages').select(COLUMNS).where('chat_id', '=', chatId).where('seq', '=', seq).executeTakeFirst();
  }

  /** The newest message of each chat: the one whose seq is the chat's last_seq (seqs have no gaps). */
  lastOf(chatIds: readonly string[]): Promise<MessageRow[]> {
    if (chatIds.length === 0) {
      return Promise.resolve([]);
    }
    return this.db
      .selectFrom('messages')
      .innerJoin('chats', (join) => join.onRef('chats.id', '=', 'messages.chat_id').onRef('chats.last_seq', '=', 'messages.seq'))
      .select(COLUMNS.map((c) => `messages.${c}` as const))
      .where('messages.chat_id', 'in', chatIds)
      .execute();
  }

  async update(id: string, patch: Partial<MessageRow>): Promise<void> {
    await this.db.updateTable('messages').set(patch).where('id', '=', id).execute();
  }

  async insertEdit(row: { id: string; message_id: string; content: string; edited_at: number }): Promise<void> {
    await this.db.insertInto('message_edits').values(row).execute();
  }

  edits(messageId: string) {
    return this.db.selectFrom('message_edits').select(['content', 'edited_at']).where('message_id', '=', messageId).orderBy('edited_at').orderBy('id').execute();
  }

  /** Messages after `afterSeq` not sent by `userId` (what reading to the end marks read). */
  async countFromOthers(chatId: string, userId: string, afterSeq: number, upToSeq: number): Promise<number> {
    const row = await this.db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('chat_id', '=', chatId)
      .where('seq', '>', afterSeq)
      .where('seq', '<=', upToSeq)
      .where((eb) => eb.or([eb('sender_id', 'is', null), eb('sender_id', '!=', userId)]))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  // Reactions

  reactionsOf(messageIds: readonly string[]): Promise<ReactionRow[]> {
    if (messageIds.length === 0) {
      return Promise.resolve([]);
    }
    return this.db.selectFrom('reactions').selectAll().where('message_id', 'in', messageIds).orderBy('created_at').orderBy('user_id').execute();
  }

  /** Adds the reaction, or removes it if it was there; true when added. */
  async toggleReaction(messageId: string, userId: string, emoji: string, now: number): Promise<boolean> {
    // Callers lock the message first (lock()), so concurrent toggles see each other.
    const inserted = await this.db
      .insertInto('reactions')
      .values({ message_id: messageId, user_id: userId, emoji, created_at: now })
      .onConflict((oc) => oc.columns(['message_id', 'user_id', 'emoji']).doNothing())
      .returning('message_id')
      .executeTakeFirst();
    if (inserted) {
      return true;
    }
    await this.db.deleteFrom('reactions').where('message_id', '=', messageId).where('user_id', '=', userId).where('emoji', '=', emoji).execute();
    return false;
  }

  async deleteReactions(messageId: string): Promise<void> {
    await this.db.deleteFrom('reactions').where('message_id', '=', messageId).execute();
  }

  // Files

  async insertFile(row: FileRow): Promise<void> {
    await this.db.insertInto('files').values(row).execute();
  }

  findFile(id: string): Promise<FileRow | undefined> {
    return this.db.selectFrom('files').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  }

  filesByIds(ids: readonly string[]): Promise<FileRow[]> {
    return ids.length === 0 ? Promise.resolve([]) : this.db.selectFrom('files').selectAll().where('id', 'in', ids).where('deleted_at', 'is', null).execute();
  }

  async markFileDeleted(id: string, now: number): Promise<void> {
    await this.db.updateTable('files').set({ deleted_at: now }).where('id', '=', id).execute();
  }

  // Search

  /**
   * Messages in `chatIds` with a word starting with each folded term, newest first. SQLite uses
   * its FTS5 index (prefix match per term); PostgreSQL scans with LIKE for now.
   */
  async search(chatIds: readonly string[], viewer: string, terms: readonly string[], limit: number, beforeCreatedAt?: number): Promise<MessageRow[]> {
    if (chatIds.length === 0 || terms.length === 0) {
      return [];
    }
    let q = this.db
      .selectFrom('messages')
      .select(COLUMNS.map((c) => `messages.${c}` as const))
      .where('messages.chat_id', 'in', chatIds)
      .where('messages.deleted_at', 'is', null)
      .where((eb) => notHiddenFor(eb, viewer));
    if (isPostgres(this.db)) {
      // search_text is words separated by single spaces: " word" prefixes match word prefixes.
      for (const term of terms) {
        const pattern = `% ${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        q = q.where(sql<boolean>`(' ' || messages.search_text) like ${pattern} escape '\\'`);
      }
    } else {
      // Each term quoted (so FTS syntax in user input is literal) and prefix-matched.
      const match = terms.map((t) => `"${t.replace(/"/g, '""')}"*`).join(' ');
      q = q.where(sql<boolean>`messages.rid in (select rowid from messages_fts where messages_fts match ${match})`);
    }
    if (beforeCreatedAt !== undefined) {
      q = q.where('messages.created_at', '<', beforeCreatedAt);
    }
    return q.orderBy('messages.created_at', 'desc').orderBy('messages.id', 'desc').limit(limit).execute();
  }
}
