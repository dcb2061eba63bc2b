import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clock } from '../lib/clock.js';
import { iso } from '../lib/time.js';
import { ChatsRepo } from '../modules/chats/chats.repo.js';
import { UsersRepo } from '../modules/users/users.repo.js';
import type { Database } from '../storage/schema.js';
import type { Bus, DomainEvent } from './bus/bus.js';
import type { Connection } from './connection.js';
import type { Presence } from './presence/presence.js';
import { CLOSE } from './wire.js';

export interface HubDeps {
  db: Kysely<Database>;
  bus: Bus;
  presence: Presence;
  clock: Clock;
  log: FastifyBaseLogger;
  /** Called when a recipient's connection received a new message (delivered receipts). */
  onDelivered: (chatId: string, userId: string, seq: number, messageId: string) => void;
  /** Bytes a connection may have queued before it is cut off as a slow consumer. */
  maxBufferedBytes: number;
}

type Waiter = () => void;

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set) {
    set.add(value);
  } else {
    map.set(key, new Set([value]));
  }
}

function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set) {
    set.delete(value);
    if (set.size === 0) {
      map.delete(key);
    }
  }
}

/**
 * The node's real-time switchboard: which connections are open, which chats each follows, and
 * who gets each committed event. It reads membership from the database once per connection and
 * then keeps it current from the membership events themselves.
 */
export class Hub {
  private readonly byUser = new Map<string, Set<Connection>>();
  private readonly byChat = new Map<string, Set<Connection>>();
  private readonly bySession = new Map<string, Set<Connection>>();
  private readonly waiters = new Map<string, Set<Waiter>>();
  /** Connections whose chats are being read (add): the chats they were removed from meanwhile. */
  private readonly registering = new Map<Connection, Set<string>>();
  /** Connections counted in presence. */
  private readonly online = new WeakSet<Connection>();
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: HubDeps) {
    this.unsubscribe = deps.bus.subscribe((event) => this.onEvent(event));
  }

  /**
   * Registers a connection: indexes its chats and marks its user online. It is indexed by user
   * before its chats are read, so membership events published meanwhile already act on it (a chat
   * it is removed from meanwhile is not followed on the strength of the older read).
   */
  async add(conn: Connection): Promise<void> {
    addTo(this.byUser, conn.auth.id, conn);
    addTo(this.bySession, conn.auth.sessionId, conn);
    const unfollowed = new Set<string>();
    this.registering.set(conn, unfollowed);
    let chatIds: string[];
    try {
      chatIds = conn.chatFilter ? [conn.chatFilter] : await new ChatsRepo(this.deps.db).chatIdsOf(conn.auth.id);
    } finally {
      this.registering.delete(conn);
    }
    if (!this.byUser.get(conn.auth.id)?.has(conn)) {
      return; // closed while registering: remove() already ran
    }
    for (const chatId of chatIds) {
      if (!unfollowed.has(chatId) && !conn.chats.has(chatId)) {
        conn.chats.add(chatId);
        addTo(this.byChat, chatId, conn);
      }
    }
    this.online.add(conn);
    if (await this.deps.presence.connect(conn.auth.id)) {
      await this.broadcastPresence(conn.auth.id, true, null);
    }
  }

  /** Unregisters a connection; the user's last disconnect sets last_seen and tells their contacts. */
  async remove(conn: Connection): Promise<void> {
    if (!this.byUser.get(conn.auth.id)?.has(conn)) {
      return;
    }
    for (const chatId of conn.chats) {
      removeFrom(this.byChat, chatId, conn);
    }
    removeFrom(this.byUser, conn.auth.id, conn);
    removeFrom(this.bySession, conn.auth.sessionId, conn);
    // Only a connection that was counted online is counted off again (it may close mid-add).
    if (!this.online.delete(conn)) {
      return;
    }
    if (await this.deps.presence.disconnect(conn.auth.id)) {
      const now = this.deps.clock.now();
      await new UsersRepo(this.deps.db).update(conn.auth.id, { last_seen: now });
      await this.broadcastPresence(conn.auth.id, false, iso(now));
    }
  }

  connectionsOf(userId: string): ReadonlySet<Connection> {
    return this.byUser.get(userId) ?? new Set();
  }

  get size(): number {
    let n = 0;
    for (const set of this.byUser.values()) {
      n += set.size;
    }
    return n;
  }

  /** Sends an ephemeral frame (typing) to the other members' connections of a chat. */
  toChat(chatId: string, type: string, body: Record<string, unknown>, exceptUserId?: string): void {
    for (const conn of this.byChat.get(chatId) ?? []) {
      if (conn.auth.id !== exceptUserId) {
        conn.sendObject(type, body);
      }
    }
  }

  private async broadcastPresence(userId: string, online: boolean, lastSeen: string | null): Promise<void> {
    const contacts = await new UsersRepo(this.deps.db).contactIds(userId);
    const body = { user_id: userId, is_online: online, last_seen: lastSeen };
    for (const contact of contacts) {
      for (const conn of this.byUser.get(contact) ?? []) {
        conn.sendObject('presence', body);
      }
    }
  }

  /** Closes every connection of these sessions (logout, revocation) with 4401. */
  closeSessions(sessionIds: readonly string[], reason: string): void {
    for (const id of sessionIds) {
      for (const conn of [...(this.bySession.get(id) ?? [])]) {
        conn.close(CLOSE.unauthorized, reason);
      }
    }
  }

  /** Closes every connection (shutdown: 1001 "going away"); returns them. */
  closeAll(code: number, reason: string): Connection[] {
    const all = [...this.byUser.values()].flatMap((set) => [...set]);
    for (const conn of all) {
      conn.close(code, reason);
    }
    return all;
  }

  /** Resolves the next time an event visible to `userId` is published (long poll). */
  waitFor(userId: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        removeFrom(this.waiters, userId, done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      addTo(this.waiters, userId, done);
    });
  }

  stop(): void {
    this.unsubscribe();
    for (const set of [...this.waiters.values()]) {
      for (const done of [...set]) {
        done();
      }
    }
  }

  // Membership changes first update who follows the chat, so the event itself reaches the right people.
  private applyMembership(event: DomainEvent): void {
    const chatId = event.chat_id;
    if (!chatId) {
      return;
    }
    const p = event.payload as { member_ids?: string[]; user_ids?: string[]; user_id?: string };
    const follow = (userId: string) => {
      for (const conn of this.byUser.get(userId) ?? []) {
        if (conn.chatFilter === null && !conn.chats.has(chatId)) {
          conn.chats.add(chatId);
          addTo(this.byChat, chatId, conn);
        }
      }
    };
    // A /ws/{chat_id} socket is closed on chat_removed (delivered first), not on member_removed:
    // it must hear why before it goes (member_removed and chat_removed come in that order).
    const unfollow = (userId: string, closeFiltered: boolean) => {
      for (const conn of [...(this.byUser.get(userId) ?? [])]) {
        this.registering.get(conn)?.add(chatId);
        conn.chats.delete(chatId);
        removeFrom(this.byChat, chatId, conn);
        if (closeFiltered && conn.chatFilter === chatId) {
          conn.close(CLOSE.forbidden, 'no longer a member of this chat');
        }
      }
    };
    if (event.type === 'chat_created') {
      for (const id of p.member_ids ?? []) {
        follow(id);
      }
    } else if (event.type === 'member_added') {
      for (const id of p.user_ids ?? []) {
        follow(id);
      }
    } else if (event.type === 'member_removed' && p.user_id) {
      unfollow(p.user_id, false);
    } else if (event.type === 'chat_removed' && event.user_id) {
      unfollow(event.user_id, true);
    }
  }

  private targets(event: DomainEvent): Iterable<Connection> {
    if (event.user_id) {
      return event.chat_id
        ? [...(this.byUser.get(event.user_id) ?? [])].filter((c) => c.chatFilter === null || c.chatFilter === event.chat_id)
        : (this.byUser.get(event.user_id) ?? []);
    }
    return event.chat_id ? (this.byChat.get(event.chat_id) ?? []) : [];
  }

  private onEvent(event: DomainEvent): void {
    if (event.type === 'chat_removed' && event.user_id) {
      // Deliver first: the user must hear that the chat is gone before it stops being followed.
      this.deliverAll(event);
      this.applyMembership(event);
    } else {
      this.applyMembership(event);
      this.deliverAll(event);
    }
    this.wake(event);
  }

  private deliverAll(event: DomainEvent): void {
    for (const conn of [...this.targets(event)]) {
      this.deliver(conn, event);
    }
  }

  /**
   * A new message reached a recipient's connection: its sender is told (delivered receipts).
   * Called for every way an event goes out: live, after the initial hold, and by replay.
   */
  delivered(conn: Connection, event: DomainEvent): void {
    if (event.type !== 'new_message' || !event.chat_id) {
      return;
    }
    const message = event.payload.message as { id: string; sender_id: string | null; seq: number };
    if (conn.auth.id !== message.sender_id) {
      this.deps.onDelivered(event.chat_id, conn.auth.id, message.seq, message.id);
    }
  }

  /** Delivers one event to one connection, once; false if it was not sent now. */
  deliver(conn: Connection, event: DomainEvent): boolean {
    if (conn.buffer) {
      conn.buffer.push(event);
      return false;
    }
    if (conn.sent.has(event.id)) {
      return false;
    }
    if (conn.bufferedBytes() > this.deps.maxBufferedBytes) {
      // A reader that does not keep up is cut off instead of growing server memory; it resumes later.
      this.deps.log.warn({ conn: conn.id, user: conn.auth.id }, 'closing slow consumer');
      conn.close(CLOSE.slowConsumer, 'too slow: reconnect and resume');
      return false;
    }
    conn.sent.add(event.id);
    conn.deliverEvent(event);
    this.delivered(conn, event);
    return true;
  }

  // Long-poll waiters follow no chats here: a user-addressed event wakes its user, a chat event
  // wakes every waiter, and each re-queries the log for what it may see.
  private wake(event: DomainEvent): void {
    for (const [userId, set] of [...this.waiters]) {
      if (event.chat_id || event.user_id === userId) {
        for (const done of [...set]) {
          done();
        }
      }
    }
  }
}
