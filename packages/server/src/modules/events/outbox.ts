import type { Transaction } from 'kysely';
import type { Clock } from '../../lib/clock.js';
import type { Bus, DomainEvent } from '../../realtime/bus/bus.js';
import type { Db } from '../../storage/db.js';
import type { Database } from '../../storage/schema.js';
import { ChatsRepo } from '../chats/chats.repo.js';
import { EventsRepo, type NewEvent } from './events.repo.js';

export type Trx = Transaction<Database>;
export type Emit = (event: NewEvent) => void;

/**
 * Every chat event carries the chat's seq at that point. Emitters leave it out (one query here for
 * the whole transaction, not one per emitter); new_message sets it to the message's own seq.
 */
async function fillSeq(trx: Trx, pending: NewEvent[]): Promise<void> {
  const missing = [...new Set(pending.filter((e) => e.chat_id && typeof e.payload.seq !== 'number').map((e) => e.chat_id as string))];
  if (missing.length === 0) {
    return;
  }
  const seqs = await new ChatsRepo(trx).lastSeqs(missing);
  for (const event of pending) {
    if (event.chat_id && typeof event.payload.seq !== 'number') {
      event.payload = { ...event.payload, seq: seqs.get(event.chat_id) ?? 0 };
    }
  }
}

/**
 * The transactional outbox: a change and the events describing it are written in one transaction,
 * and the events are published only after it commits. A rolled-back change publishes nothing; a
 * committed one is in the log even if the process dies before publishing (clients resume from it).
 */
export class Outbox {
  constructor(
    private readonly db: Db,
    private readonly bus: Bus,
    private readonly clock: Clock,
  ) {}

  async run<T>(work: (trx: Trx, emit: Emit) => Promise<T>): Promise<T> {
    let stored: DomainEvent[] = [];
    const result = await this.db.transaction().execute(async (trx) => {
      const pending: NewEvent[] = [];
      const value = await work(trx, (event) => pending.push(event));
      await fillSeq(trx, pending);
      if (pending.length > 0) {
        await EventsRepo.lockForAppend(trx);
      }
      stored = await EventsRepo.append(trx, pending, this.clock.now());
      return value;
    });
    // Publish after commit: a rolled-back change must never reach a socket.
    if (stored.length > 0) {
      this.bus.publish(stored);
    }
    return result;
  }
}
