import { sql } from 'kysely';
import type { Db } from '../../storage/db.js';
import type { UsersTable } from '../../storage/schema.js';

export type UserRow = UsersTable;

/** Case-folding used for unique usernames: NFKC then lower case, so `Sara` and `ｓａｒａ` collide. */
export function usernameKey(username: string): string {
  return username.normalize('NFKC').toLowerCase();
}

export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

/** Escapes LIKE wildcards so a search for `50%` means the text `50%`. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** All SQL about users and blocks. */
export class UsersRepo {
  constructor(private readonly db: Db) {}

  findById(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findActiveById(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  }

  findManyByIds(ids: readonly string[]): Promise<UserRow[]> {
    return ids.length === 0 ? Promise.resolve([]) : this.db.selectFrom('users').selectAll().where('id', 'in', ids).execute();
  }

  /** By email or username (case-insensitive), live accounts only. */
  findByIdentifier(identifier: string): Promise<UserRow | undefined> {
    const key = identifier.trim();
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('deleted_at', 'is', null)
      .where((eb) => eb.or([eb('email_key', '=', emailKey(key)), eb('username_key', '=', usernameKey(key))]))
      .executeTakeFirst();
  }

  async usernameTaken(username: string, exceptId?: string): Promise<boolean> {
    let q = this.db.selectFrom('users').select('id').where('username_key', '=', usernameKey(username));
    if (exceptId) {
      q = q.where('id', '!=', exceptId);
    }
    return (await q.executeTakeFirst()) !== undefined;
  }

  async emailTaken(email: string, exceptId?: string): Promise<boolean> {
    let q = this.db.selectFrom('users').select('id').where('email_key', '=', emailKey(email));
    if (exceptId) {
      q = q.where('id', '!=', exceptId);
    }
    return (await q.executeTakeFirst()) !== undefined;
  }

  async insert(row: UserRow): Promise<void> {
    await this.db.insertInto('users').values(row).execute();
  }

  async update(id: string, patch: Partial<UserRow>): Promise<void> {
    await this.db.updateTable('users').set(patch).where('id', '=', id).execute();
  }

  /** Live users whose username or full name contains `text`, or whose email is exactly `text`. */
  search(text: string, excludeId: string, limit: number): Promise<UserRow[]> {
    const pattern = likePattern(text.toLowerCase());
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('deleted_at', 'is', null)
      .where('id', '!=', excludeId)
      .where((eb) =>
        eb.or([
          sql<boolean>`username_key like ${pattern} escape '\\'`,
          sql<boolean>`lower(coalesce(full_name, '')) like ${pattern} escape '\\'`,
          eb('email_key', '=', emailKey(text)),
        ]),
      )
      .orderBy('username_key')
      .limit(limit)
      .execute();
  }

  /** A page of users for admins, newest first, optionally filtered like search. */
  async list(opts: { skip: number; limit: number; query?: string }): Promise<{ rows: UserRow[]; total: number }> {
    let base = this.db.selectFrom('users').where('deleted_at', 'is', null);
    if (opts.query) {
      const pattern = likePattern(opts.query.toLowerCase());
      base = base.where((eb) =>
        eb.or([
          sql<boolean>`username_key like ${pattern} escape '\\'`,
          sql<boolean>`lower(coalesce(full_name, '')) like ${pattern} escape '\\'`,
          sql<boolean>`coalesce(email_key, '') like ${pattern} escape '\\'`,
        ]),
      );
    }
    const [rows, count] = await Promise.all([
      base.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').offset(opts.skip).limit(opts.limit).execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(count.n) };
  }

  async statistics(now: number): Promise<{ total: number; admins: number; deleted: number; new24h: number; new7d: number; active24h: number }> {
    const day = now - 86_400_000;
    const week = now - 7 * 86_400_000;
    const row = await this.db
      .selectFrom('users')
      .select((eb) => [
        eb.fn.sum<number>(eb.case().when('deleted_at', 'is', null).then(1).else(0).end()).as('total'),
        eb.fn.sum<number>(eb.case().when(eb.and([eb('deleted_at', 'is', null), eb('role', '=', 'admin')])).then(1).else(0).end()).as('admins'),
        eb.fn.sum<number>(eb.case().when('deleted_at', 'is not', null).then(1).else(0).end()).as('deleted'),
        eb.fn.sum<number>(eb.case().when(eb.and([eb('deleted_at', 'is', null), eb('created_at', '>=', day)])).then(1).else(0).end()).as('new24h'),
        eb.fn.sum<number>(eb.case().when(eb.and([eb('deleted_at', 'is', null), eb('created_at', '>=', week)])).then(1).else(0).end()).as('new7d'),
      ])
      .executeTakeFirstOrThrow();
    const active = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('deleted_at', 'is', null)
      .where((eb) =>
        eb.or([
          eb('last_seen', '>=', day),
          eb.exists(eb.selectFrom('sessions').select('sessions.id').whereRef('sessions.user_id', '=', 'users.id').where('sessions.last_used_at', '>=', day)),
        ]),
      )
      .executeTakeFirstOrThrow();
    return {
      total: Number(row.total ?? 0),
      admins: Number(row.admins ?? 0),
      deleted: Number(row.deleted ?? 0),
      new24h: Number(row.new24h ?? 0),
      new7d: Number(row.new7d ?? 0),
      active24h: Number(active.n),
    };
  }

  /** Ids of live users who share at least one chat with `userId` (not counting themself). */
  async contactIds(userId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('chat_members as mine')
      .innerJoin('chat_members as other', 'other.chat_id', 'mine.chat_id')
      .innerJoin('chats', 'chats.id', 'mine.chat_id')
      .where('mine.user_id', '=', userId)
      .where('other.user_id', '!=', userId)
      .where('chats.deleted_at', 'is', null)
      .select('other.user_id')
      .distinct()
      .execute();
    return rows.map((r) => r.user_id);
  }

  // Blocks

  async block(blockerId: string, blockedId: string, now: number): Promise<void> {
    await this.db
      .insertInto('blocks')
      .values({ blocker_id: blockerId, blocked_id: blockedId, created_at: now })
      .onConflict((oc) => oc.columns(['blocker_id', 'blocked_id']).doNothing())
      .execute();
  }

  async unblock(blockerId: string, blockedId: string): Promise<void> {
    await this.db.deleteFrom('blocks').where('blocker_id', '=', blockerId).where('blocked_id', '=', blockedId).execute();
  }

  blockedBy(blockerId: string): Promise<UserRow[]> {
    return this.db
      .selectFrom('blocks')
      .innerJoin('users', 'users.id', 'blocks.blocked_id')
      .selectAll('users')
      .where('blocks.blocker_id', '=', blockerId)
      // A deleted account is gone everywhere (404): listing it would offer an unblock that 404s.
      .where('users.deleted_at', 'is', null)
      .orderBy('blocks.created_at', 'desc')
      .execute();
  }

  /** True if either user blocked the other. */
  async eitherBlocked(a: string, b: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('blocks')
      .select('blocker_id')
      .where((eb) =>
        eb.or([
          eb.and([eb('blocker_id', '=', a), eb('blocked_id', '=', b)]),
          eb.and([eb('blocker_id', '=', b), eb('blocked_id', '=', a)]),
        ]),
      )
      .executeTakeFirst();
    return row !== undefined;
  }
}
