import type { Hub } from './hub.js';

const EXPIRE_MS = 5_000;
const REBROADCAST_MS = 3_000;

/**
 * Typing indicators: ephemeral (never stored), throttled (a refresh within 3 s is not
 * re-broadcast), and expiring (5 s without a refresh sends is_typing:false for the client).
 */
export class Typing {
  private readonly active = new Map<string, { timer: NodeJS.Timeout; sentAt: number }>();
  constructor(
    private readonly hub: Hub,
    private readonly now: () => number,
  ) {}

  set(chatId: string, userId: string, isTyping: boolean): void {
    const key = `${chatId}:${userId}`;
    const current = this.active.get(key);
    if (!isTyping) {
      if (current) {
        clearTimeout(current.timer);
        this.active.delete(key);
        this.broadcast(chatId, userId, false);
      }
      return;
    }
    const timer = setTimeout(() => this.set(chatId, userId, false), EXPIRE_MS);
    timer.unref();
    if (current) {
      clearTimeout(current.timer);
      const fresh = this.now() - current.sentAt < REBROADCAST_MS;
      this.active.set(key, { timer, sentAt: fresh ? current.sentAt : this.now() });
      if (!fresh) {
        this.broadcast(chatId, userId, true);
      }
      return;
    }
    this.active.set(key, { timer, sentAt: this.now() });
    this.broadcast(chatId, userId, true);
  }

  /** A user's last connection closed: they stop typing everywhere. */
  stopUser(userId: string): void {
    for (const key of [...this.active.keys()]) {
      if (key.endsWith(`:${userId}`)) {
        this.set(key.slice(0, key.length - userId.length - 1), userId, false);
      }
    }
  }

  stop(): void {
    for (const { timer } of this.active.values()) {
      clearTimeout(timer);
    }
    this.active.clear();
  }

  private broadcast(chatId: string, userId: string, isTyping: boolean): void {
    this.hub.toChat(chatId, 'typing', { chat_id: chatId, user_id: userId, is_typing: isTyping }, userId);
  }
}
