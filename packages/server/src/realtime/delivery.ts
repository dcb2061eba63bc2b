import type { FastifyBaseLogger } from 'fastify';
import { ChatsRepo } from '../modules/chats/chats.repo.js';
import type { Outbox } from '../modules/events/outbox.js';

const FLUSH_MS = 100;

/**
 * Delivered receipts. When a recipient's connection receives a message, its sender should see
 * "delivered". Marks are batched (one write per chat and recipient per flush), and a message
 * already known delivered to someone is not marked again, so a busy group costs one write per
 * message, not one per member.
 */
export class DeliveryTracker {
  private readonly pending = new Map<string, { chatId: string; userId: string; seq: number; messageId: string }>();
  private readonly knownDelivered = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly outbox: Outbox,
    private readonly log: FastifyBaseLogger,
  ) {}

  mark(chatId: string, userId: string, seq: number, messageId: string): void {
    if ((this.knownDelivered.get(chatId) ?? 0) >= seq) {
      return;
    }
    this.knownDelivered.set(chatId, seq);
    const key = `${chatId}:${userId}`;
    const current = this.pending.get(key);
    if (!current || current.seq < seq) {
      this.pending.set(key, { chatId, userId, seq, messageId });
    }
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.flushing = this.flushing.then(() => this.flush());
    }, FLUSH_MS);
  }

  /** Writes pending marks now (also on shutdown). */
  async flush(): Promise<void> {
    const batch = [...this.pending.values()];
    this.pending.clear();
    for (const mark of batch) {
      try {
        await this.outbox.run(async (trx, emit) => {
          const chats = new ChatsRepo(trx);
          if (await chats.advanceDelivered(mark.chatId, mark.userId, mark.seq)) {
            emit({
              chat_id: mark.chatId,
              user_id: null,
              type: 'message_status',
              payload: { chat_id: mark.chatId, message_id: mark.messageId, status: 'delivered', user_id: mark.userId, up_to_seq: mark.seq },
            });
          }
        });
      } catch (error) {
        this.log.warn({ err: error }, 'delivered receipt failed');
      }
    }
  }

  async stop(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    await this.flushing;
    await this.flush();
  }
}
