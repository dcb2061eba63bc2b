import type { Clock } from '../../lib/clock.js';
import type { SessionsRepo } from './sessions.repo.js';

export type RevokedListener = (sessionIds: string[], reason: string) => void;

/**
 * The one way sessions end. Ending a session in the database makes its tokens fail at once
 * (every request checks the session); listeners (the real-time hub) close its open sockets.
 */
export class SessionRevoker {
  private readonly listeners = new Set<RevokedListener>();
  constructor(
    private readonly repo: SessionsRepo,
    private readonly clock: Clock,
  ) {}

  onRevoked(listener: RevokedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async revoke(sessionId: string, reason: string): Promise<boolean> {
    const done = await this.repo.revoke(sessionId, this.clock.now(), reason);
    if (done) {
      this.notify([sessionId], reason);
    }
    return done;
  }

  /** Ends every session of `userId` but `keepId`; returns how many ended. */
  async revokeAllOf(userId: string, reason: string, keepId?: string): Promise<number> {
    const ids = await this.repo.revokeAllOf(userId, this.clock.now(), reason, keepId);
    if (ids.length > 0) {
      this.notify(ids, reason);
    }
    return ids.length;
  }

  private notify(ids: string[], reason: string): void {
    for (const listener of this.listeners) {
      listener(ids, reason);
    }
  }
}
