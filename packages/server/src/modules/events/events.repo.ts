import { sql, type Transaction } from 'kysely';
import { isPostgres } from '../../storage/dialects/detect.js';
import type { Db } from '../../storage/db.js';
import type { Database } from '../../storage/schema.js';
import type { DomainEvent } from '../../realtime/bus/bus.js';

// An arbitrary constant naming the event log's append lock (pg_advisory_xact_lock takes a bigint).
const EVENT_LOG_LOCK = 7_316_432_118;

export interface NewEvent {
  chat_id: string | null;
  user_id: string | null;
  type: string;
  payload: Record<string, unknown>;
}

/** All SQL about the event log. */
export class EventsRepo {
  constructor(private readonly db: Db) {}

  /**
   * Makes event ids follow commit order. PostgreSQL hands out sequence values at insert time, so
   * two concurrent transactions could commit ids 11 then 10, and a client that resumed from 11
   * would never see 10. A transaction-scoped advisory lock taken just before appending (held until
   * commit) serialises only that last step. SQLite has one writer at a time already.
   */
  static async lockForAppend(trx: Transaction<Database>): Promise<void> {
    if (isPostgres(trx)) {
      await sql`select pg_advisory_xact_lock(${EVENT_LOG_LOCK})`.execute(trx);
    }
  }

  /** Appends events inside the caller's transaction; returns them with their ids. */
  static async append(trx: Transaction<Database>, events: readonly NewEvent[], now: number): Promise<DomainEvent[]> {
    const stored: DomainEvent[] = [];
    for (const e of events) {
      const row = await trx
        .insertInto('events')
        .values({ chat_id: e.chat_id, user_id: e.user_id, seq: typeof e.payload.seq === 'number' ? e.payload.seq : null, type: e.type, payload: JSON.stringify(e.payload), created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      stored.push({ id: Number(row.id), chat_id: e.chat_id, user_id: e.user_id, type: e.type, payload: e.payload, created_at: now });
    }
    return stored;
  }

  /** Events after `cursor` that `userId` may see: those of `chatIds`, and those addressed to them. */
  async listAfter(cursor: number, userId: string, chatIds: readonly string[], limit: number): Promise<DomainEvent[]> {
    const rows = await this.db
      .selectFrom('events')
      .selectAll()
      .where('id', '>', cursor)
      .where((eb) => {
        const visible = [eb('user_id', '=', userId)];
        if (chatIds.length > 0) {
          visible.push(eb.and([eb('chat_id', 'in', chatIds), eb('user_id', 'is', null)]));
        }
        return eb.or(visible);
      })
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: Number(r.id), chat_id: r.chat_id, user_id: r.user_id, type: r.type, payload: JSON.parse(r.payload), created_at: r.created_at }));
  }

  /** The smallest id still kept (null when the log is empty). */
  async oldestId(): Promise<number | null> {
    const row = await this.db.selectFrom('events').select((eb) => eb.fn.min<number>('id').as('id')).executeTakeFirst();
    return row?.id == null ? null : Number(row.id);
  }

  /** The newest event id; when the log was pruned empty, the pruned edge (so cursors never go back). */
  async newestId(): Promise<number> {
    const row = await this.db.selectFrom('events').select((eb) => eb.fn.max<number>('id').as('id')).executeTakeFirst();
    const newest = row?.id == null ? 0 : Number(row.id);
    return Math.max(newest, (await this.prunedThrough()).id);
  }

  /**
   * Deletes events older than `before`; returns how many. Records how far the log was pruned
   * (highest id and time deleted), so a resume from before that point gets `reset`, never a gap.
   */
  async prune(before: number): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const edge = await trx
        .selectFrom('events')
        .select((eb) => [eb.fn.max<number>('id').as('id'), eb.fn.max<number>('created_at').as('at')])
        .where('created_at', '<', before)
        .executeTakeFirst();
      if (edge?.id == null) {
        return 0;
      }
      const result = await trx.deleteFrom('events').where('id', '<=', Number(edge.id)).executeTakeFirst();
      const value = JSON.stringify({ id: Number(edge.id), at: Number(edge.at) });
      await trx
        .insertInto('meta')
        .values({ key: 'events_pruned_through', value })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
        .execute();
      return Number(result.numDeletedRows);
    });
  }

  /** How far the log has been pruned: the highest id deleted and its time ({0, 0} if never). */
  async prunedThrough(): Promise<{ id: number; at: number }> {
    const row = await this.db.selectFrom('meta').select('value').where('key', '=', 'events_pruned_through').executeTakeFirst();
    return row ? (JSON.parse(row.value) as { id: number; at: number }) : { id: 0, at: 0 };
  }

  /**
   * Events after per-chat starting points: for each chat, its events with id > start; plus the
   * events addressed to `userId` with id > `userAfter`. Ordered by id.
   */
  async listFrom(starts: ReadonlyMap<string, number>, userId: string, userAfter: number, limit: number): Promise<DomainEvent[]> {
    const rows = await this.db
      .selectFrom('events')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb.and([eb('user_id', '=', userId), eb('id', '>', userAfter)]),
          ...[...starts].map(([chatId, start]) => eb.and([eb('chat_id', '=', chatId), eb('user_id', 'is', null), eb('id', '>', start)])),
        ]),
      )
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: Number(r.id), chat_id: r.chat_id, user_id: r.user_id, type: r.type, payload: JSON.parse(r.payload), created_at: r.created_at }));
  }

  /** The id of the new_message event that gave `chatId` its message `seq`, if still kept. */
  async idOfMessageSeq(chatId: string, seq: number): Promise<number | null> {
    const row = await this.db
      .selectFrom('events')
      .select('id')
      .where('chat_id', '=', chatId)
      .where('seq', '=', seq)
      .where('type', '=', 'new_message')
      .executeTakeFirst();
    return row ? Number(row.id) : null;
  }
}
