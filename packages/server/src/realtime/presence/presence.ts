/**
 * Who is online: a user is online while at least one of their real-time connections is open.
 * The interface is async so a Redis engine can stand in for a cluster.
 */
export interface Presence {
  /** The subset of `userIds` that is online now. */
  onlineAmong(userIds: readonly string[]): Promise<Set<string>>;
  /** Every online user id. */
  onlineUserIds(): Promise<string[]>;
  /** A connection of `userId` opened; true if the user just came online. */
  connect(userId: string): Promise<boolean>;
  /** A connection of `userId` closed; true if that was the last one. */
  disconnect(userId: string): Promise<boolean>;
}

/** Presence for a single process: a count of open connections per user. */
export class MemoryPresence implements Presence {
  private readonly connections = new Map<string, number>();

  async onlineAmong(userIds: readonly string[]): Promise<Set<string>> {
    return new Set(userIds.filter((id) => this.connections.has(id)));
  }

  async onlineUserIds(): Promise<string[]> {
    return [...this.connections.keys()];
  }

  async connect(userId: string): Promise<boolean> {
    const n = this.connections.get(userId) ?? 0;
    this.connections.set(userId, n + 1);
    return n === 0;
  }

  async disconnect(userId: string): Promise<boolean> {
    const n = this.connections.get(userId) ?? 0;
    if (n <= 1) {
      this.connections.delete(userId);
      return n === 1;
    }
    this.connections.set(userId, n - 1);
    return false;
  }
}
