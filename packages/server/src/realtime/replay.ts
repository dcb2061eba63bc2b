import type { Kysely } from 'kysely';
import { ChatsRepo } from '../modules/chats/chats.repo.js';
import { EventsRepo } from '../modules/events/events.repo.js';
import type { Database } from '../storage/schema.js';
import type { DomainEvent } from './bus/bus.js';
import type { Connection } from './connection.js';
import type { Hub } from './hub.js';

const PAGE = 500;

/** Where a resume starts: one cursor, or per chat the last seq the client has. */
export type ResumePoint = { cursor: number } | { since: Record<string, number> };

/** A resolved resume: a starting cursor and a filter for what the client already has. */
export interface ReplayPlan {
  after: number;
  skip: (event: DomainEvent) => boolean;
}

/**
 * Replays the durable event log to resuming clients. Everything after the resume point that the
 * user may see is sent in id order, then the live events that arrived meanwhile, so nothing is
 * lost or doubled between replay and live. A point older than the pruned log gets `reset`.
 */
export class Replayer {
  private readonly events: EventsRepo;
  constructor(
    private readonly db: Kysely<Database>,
    private readonly hub: Hub,
  ) {
    this.events = new EventsRepo(db);
  }

  /** Turns a resume point into a plan, or null when the log no longer reaches back that far. */
  async plan(point: ResumePoint): Promise<ReplayPlan | null> {
    const pruned = await this.events.prunedThrough();
    if ('cursor' in point) {
      return point.cursor < pruned.id ? null : { after: point.cursor, skip: () => false };
    }
    const starts = new Map<string, { id: number; seq: number }>();
    for (const [chatId, seq] of Object.entries(point.since)) {
      if (seq <= 0) {
        if (pruned.id > 0) {
          return null;
        }
        starts.set(chatId, { id: 0, seq: 0 });
        continue;
      }
      const id = await this.events.idOfMessageSeq(chatId, seq);
      if (id === null) {
        return null;
      }
      starts.set(chatId, { id, seq });
    }
    const ids = [...starts.values()].map((s) => s.id);
    const after = ids.length > 0 ? Math.min(...ids) : pruned.id;
    if (ids.length === 0 && pruned.id > 0) {
      return null;
    }
    return {
      after,
      // A listed chat's events up to its own starting point are already with the client.
      skip: (event) => {
        const start = event.chat_id ? starts.get(event.chat_id) : undefined;
        return start !== undefined && event.id <= start.id;
      },
    };
  }

  /** Events after `plan.after` that `userId` may see, in pages, for SSE and long polling. */
  async page(userId: string, chatIds: readonly string[], plan: ReplayPlan, limit = PAGE): Promise<DomainEvent[]> {
    const rows = await this.events.listAfter(plan.after, userId, chatIds, limit);
    return rows.filter((e) => !plan.skip(e));
  }

  /** Replays into a connection, then flushes what arrived live meanwhile; false means reset. */
  async resume(conn: Connection, point: ResumePoint): Promise<boolean> {
    conn.buffer ??= [];
    const plan = await this.plan(point);
    if (plan) {
      const chatIds = conn.chatFilter ? [conn.chatFilter] : await new ChatsRepo(this.db).chatIdsOf(conn.auth.id);
      let after = plan.after;
      // The client has everything up to its point; what this connection sent above it (live,
      // before a late resume) stays known and is not sent again.
      conn.sent.resumeFrom(after);
      for (;;) {
        const rows = await this.events.listAfter(after, conn.auth.id, chatIds, PAGE);
        for (const event of rows) {
          after = event.id;
          if (conn.sent.has(event.id)) {
            continue;
          }
          conn.sent.add(event.id);
          if (plan.skip(event)) {
            continue;
          }
          conn.deliverEvent(event);
          this.hub.delivered(conn, event);
        }
        if (rows.length < PAGE) {
          break;
        }
      }
    }
    this.goLive(conn);
    return plan !== null;
  }

  /** Ends buffering: sends what waited, in order, skipping anything already sent. */
  goLive(conn: Connection): void {
    const waiting = conn.buffer ?? [];
    conn.buffer = null;
    for (const event of waiting.sort((a, b) => a.id - b.id)) {
      this.hub.deliver(conn, event);
    }
  }
}
