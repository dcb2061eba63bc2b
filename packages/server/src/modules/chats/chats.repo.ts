import type { Db } from '../../storage/db.js';

/** All SQL about chats and their members. */
export class ChatsRepo {
  constructor(private readonly db: Db) {}

  /** Counts of live chats by kind, and of memberships. */
  async statistics(since: number): Promise<{ total: number; direct: number; groups: number; publicGroups: number; new24h: number; memberships: number }> {
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
    return {
      total: Number(row.total),
      direct: Number(row.direct ?? 0),
      groups: Number(row.groups ?? 0),
      publicGroups: Number(row.public_groups ?? 0),
      new24h: Number(row.new24h ?? 0),
      memberships: Number(members.n),
    };
  }
}
