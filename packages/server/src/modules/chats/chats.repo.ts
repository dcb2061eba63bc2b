import { type Kysely, sql } from 'kysely';
import type { ChatMembersTable, ChatsTable, Database } from '../../storage/schema.js';

export type ChatRow = Omit<ChatsTable, 'last_seq'> & { last_seq: number };
export type MemberRow = Omit<ChatMembersTable, 'last_read_seq' | 'last_delivered_seq'> & { last_read_seq: number; last_delivered_seq: number };
/** A chat with the caller's membership, as the chat list needs it. */
export type MyChatRow = ChatRow & { my_role: MemberRow['role']; my_last_read_seq: number; my_archived_at: number | null; my_muted_until: number | null };

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** All SQL about chats and their members. Bind it to a transaction with `new ChatsRepo(trx)`. */
export class ChatsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async findById(id: string): Promise<ChatRow | undefined> {
    return (await this.db.selectFrom('chats').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst()) as ChatRow | undefined;
  }

  async findDirect(key: string): Promise<ChatRow | undefined> {
    return (await this.db.selectFrom('chats').selectAll().where('direct_key', '=', key).where('deleted_at', 'is', null).executeTakeFirst()) as ChatRow | undefined;
  }

  async insertChat(row: Omit<ChatRow, 'last_seq'>): Promise<void> {
    await this.db.insertInto('chats').values(row).execute();
  }

  /** Adds members, skipping those already in; returns the ids of the users actually added. */
  async insertMembers(rows: Array<Pick<MemberRow, 'chat_id' | 'user_id' | 'role' | 'joined_at'>>): Promise<string[]> {
    if (rows.length === 0) {
      return [];
    }
    const inserted = await this.db
      .insertInto('chat_members')
      // A new member has not "missed" the history before joining: start their pointers at the chat's last seq.
      .values((eb) =>
        rows.map((r) => {
          const lastSeq = eb.selectFrom('chats').select('last_seq').where('id', '=', r.chat_id);
          return { ...r, archived_at: null, muted_until: null, last_read_seq: lastSeq, last_delivered_seq: lastSeq };
        }),
      )
      .onConflict((oc) => oc.columns(['chat_id', 'user_id']).doNothing())
      .returning('user_id')
      .execute();
    return inserted.map((r) => r.user_id);
  }

  async member(chatId: string, userId: string): Promise<MemberRow | undefined> {
    return (await this.db.selectFrom('chat_members').selectAll().where('chat_id', '=', chatId).where('user_id', '=', userId).executeTakeFirst()) as
      | MemberRow
      | undefined;
  }

  /** Members of a chat, oldest first. */
  async members(chatId: string): Promise<MemberRow[]> {
    return (await this.db.selectFrom('chat_members').selectAll().where('chat_id', '=', chatId).orderBy('joined_at').orderBy('user_id').execute()) as MemberRow[];
  }

  async membersOf(chatIds: readonly string[]): Promise<MemberRow[]> {
    if (chatIds.length === 0) {
      return [];
    }
    return (await this.db.selectFrom('chat_members').selectAll().where('chat_id', 'in', chatIds).orderBy('joined_at').orderBy('user_id').execute()) as MemberRow[];
  }

  async memberIds(chatId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('chat_members').select('user_id').where('chat_id', '=', chatId).execute();
    return rows.map((r) => r.user_id);
  }

  /** Ids of the live chats `userId` is a member of. */
  async chatIdsOf(userId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('chat_members')
      .innerJoin('chats', 'chats.id', 'chat_members.chat_id')
      .select('chat_members.chat_id')
      .where('chat_members.user_id', '=', userId)
      .where('chats.deleted_at', 'is', null)
      .execute();
    return rows.map((r) => r.chat_id);
  }

  /** My chats with my membership, most recent activity first: one query for any number of chats. */
  /** Live chats of `userId` joined with their membership (the shape of MyChatRow). */
  private mine(userId: string) {
    return this.db
      .selectFrom('chat_members as me')
      .innerJoin('chats', 'chats.id', 'me.chat_id')
      .selectAll('chats')
      .select(['me.role as my_role', 'me.last_read_seq as my_last_read_seq', 'me.archived_at as my_archived_at', 'me.muted_until as my_muted_until'])
      .where('me.user_id', '=', userId)
      .where('chats.deleted_at', 'is', null);
  }

  async listForUser(userId: string, archived: boolean): Promise<MyChatRow[]> {
    const rows = await this.mine(userId)
      .where('me.archived_at', archived ? 'is not' : 'is', null)
      .orderBy('chats.last_activity_at', 'desc')
      .orderBy('chats.id', 'desc')
      .execute();
    return rows as unknown as MyChatRow[];
  }

  async forUser(chatId: string, userId: string): Promise<MyChatRow | undefined> {
    const row = await this.mine(userId).where('chats.id', '=', chatId).executeTakeFirst();
    return row as unknown as MyChatRow | undefined;
  }

  /** The current last_seq of each chat. */
  async lastSeqs(chatIds: readonly string[]): Promise<Map<string, number>> {
    if (chatIds.length === 0) {
      return new Map();
    }
    const rows = await this.db.selectFrom('chats').select(['id', 'last_seq']).where('id', 'in', chatIds).execute();
    return new Map(rows.map((r) => [r.id, Number(r.last_seq)]));
  }

  async memberCounts(chatIds: readonly string[]): Promise<Map<string, number>> {
    if (chatIds.length === 0) {
      return new Map();
    }
    const rows = await this.db
      .selectFrom('chat_members')
      .select(['chat_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('chat_id', 'in', chatIds)
      .groupBy('chat_id')
      .execute();
    return new Map(rows.map((r) => [r.chat_id, Number(r.n)]));
  }

  async update(id: string, patch: Partial<ChatRow>): Promise<void> {
    await this.db.updateTable('chats').set(patch).where('id', '=', id).execute();
  }

  /** Takes the chat's next seq (locking its row until the transaction ends) and marks activity. */
  async nextSeq(chatId: string, now: number): Promise<number> {
    const row = await this.db
      .updateTable('chats')
      .set((eb) => ({ last_seq: eb('last_seq', '+', 1), last_activity_at: now, updated_at: now }))
      .where('id', '=', chatId)
      .returning('last_seq')
      .executeTakeFirstOrThrow();
    return Number(row.last_seq);
  }

  async updateMember(chatId: string, userId: string, patch: Partial<MemberRow>): Promise<void> {
    await this.db.updateTable('chat_members').set(patch).where('chat_id', '=', chatId).where('user_id', '=', userId).execute();
  }

  /** Moves my read pointer forward (never back); returns the previous one, or null if unchanged. */
  async advanceRead(chatId: string, userId: string, seq: number): Promise<number | null> {
    const before = await this.member(chatId, userId);
    if (!before || before.last_read_seq >= seq) {
      return null;
    }
    await this.db
      .updateTable('chat_members')
      .set({ last_read_seq: seq, last_delivered_seq: sql<number>`case when last_delivered_seq < ${seq} then ${seq} else last_delivered_seq end` })
      .where('chat_id', '=', chatId)
      .where('user_id', '=', userId)
      .execute();
    return before.last_read_seq;
  }

  /** Moves my delivered pointer forward; true if it moved. */
  async advanceDelivered(chatId: string, userId: string, seq: number): Promise<boolean> {
    const result = await this.db
      .updateTable('chat_members')
      .set({ last_delivered_seq: seq })
      .where('chat_id', '=', chatId)
      .where('user_id', '=', userId)
      .where('last_delivered_seq', '<', seq)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async removeMember(chatId: string, userId: string): Promise<void> {
    await this.db.deleteFrom('chat_members').where('chat_id', '=', chatId).where('user_id', '=', userId).execute();
  }

  /** Public groups whose name or description matches, busiest first. */
  async publicGroups(text: string, skip: number, limit: number): Promise<ChatRow[]> {
    let q = this.db.selectFrom('chats').selectAll().where('type', '=', 'group').where('is_public', '=', 1).where('deleted_at', 'is', null);
    if (text) {
      const pattern = likePattern(text.toLowerCase());
      q = q.where((eb) =>
        eb.or([sql<boolean>`lower(coalesce(name, '')) like ${pattern} escape '\\'`, sql<boolean>`lower(coalesce(description, '')) like ${pattern} escape '\\'`]),
      );
    }
    return (await q.orderBy('last_activity_at', 'desc').orderBy('id').offset(skip).limit(limit).execute()) as ChatRow[];
  }

  /** Counts of live chats by kind, of memberships, and of messages. */
  async statistics(since: number) {
    const row = await this.db
      .selectFrom('chats')
      .where('deleted_at', 'is', null)
      .select((eb) => [
        eb.fn.countAll<number>().as('total'),
        eb.fn.sum<number>(eb.case().when('type', '=', 'single').then(1).else(0).end()).as('direct'),
        eb.fn.sum<number>(eb.case().when('type', '=', 'group').then(1).else(0).end()).as('groups'),
        eb.fn.sum<number>(eb.case().when(eb.and([eb('type', '=', 'group'), eb('is_public', '=', 1)])).then(1).else(0).end()).as('public_groups'),
        eb.fn.sum<number>(eb.case().when('created_at', '>=', since).then(1).else(0).end()).as('new24h'),
      ])
      .executeTakeFirstOrThrow();
    const members = await this.db
      .selectFrom('chat_members')
      .innerJoin('chats', 'chats.id', 'chat_members.chat_id')
      .where('chats.deleted_at', 'is', null)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const messages = await this.db
      .selectFrom('messages')
      .select((eb) => [eb.fn.countAll<number>().as('total'), eb.fn.sum<number>(eb.case().when('created_at', '>=', since).then(1).else(0).end()).as('recent')])
      .executeTakeFirstOrThrow();
    return {
      total: Number(row.total),
      direct: Number(row.direct ?? 0),
      groups: Number(row.groups ?? 0),
      publicGroups: Number(row.public_groups ?? 0),
      new24h: Number(row.new24h ?? 0),
      memberships: Number(members.n),
      messages: Number(messages.total),
      messages24h: Number(messages.recent ?? 0),
    };
  }
}
