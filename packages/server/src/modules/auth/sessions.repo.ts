import type { Db } from '../../storage/db.js';
import type { SessionsTable } from '../../storage/schema.js';

export type SessionRow = SessionsTable;

/** All SQL about sessions and refresh tokens. */
export class SessionsRepo {
  constructor(private readonly db: Db) {}

  async create(session: SessionRow, refresh: { token_hash: string; expires_at: number }): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('sessions').values(session).execute();
      await trx
        .insertInto('refresh_tokens')
        .values({ token_hash: refresh.token_hash, session_id: session.id, created_at: session.created_at, expires_at: refresh.expires_at, used_at: null })
        .execute();
    });
  }

  findById(id: string): Promise<SessionRow | undefined> {
    return this.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByTokenHash(tokenHash: string): Promise<SessionRow | undefined> {
    return this.db.selectFrom('sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  }

  async touch(id: string, now: number, expiresAt: number): Promise<void> {
    await this.db.updateTable('sessions').set({ last_used_at: now, expires_at: expiresAt }).where('id', '=', id).execute();
  }

  listActive(userId: string, now: number): Promise<SessionRow[]> {
    return this.db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .orderBy('last_used_at', 'desc')
      .execute();
  }

  /** Revokes one session; returns true if it was active. */
  async revoke(id: string, now: number, reason: string): Promise<boolean> {
    const result = await this.db
      .updateTable('sessions')
      .set({ revoked_at: now, revoke_reason: reason })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Revokes every active session of a user except `keepId`; returns the revoked ids. */
  async revokeAllOf(userId: string, now: number, reason: string, keepId?: string): Promise<string[]> {
    let q = this.db.updateTable('sessions').set({ revoked_at: now, revoke_reason: reason }).where('user_id', '=', userId).where('revoked_at', 'is', null);
    if (keepId) {
      q = q.where('id', '!=', keepId);
    }
    const rows = await q.returning('id').execute();
    return rows.map((r) => r.id);
  }

  findRefreshToken(tokenHash: string) {
    return this.db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  }

  /**
   * Rotates a refresh token in one transaction: marks the old one used (only if still unused) and
   * stores the new one. Returns false when the old one was already used: a reuse.
   */
  async rotate(oldHash: string, next: { token_hash: string; session_id: string; expires_at: number }, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const marked = await trx.updateTable('refresh_tokens').set({ used_at: now }).where('token_hash', '=', oldHash).where('used_at', 'is', null).executeTakeFirst();
      if (Number(marked.numUpdatedRows) === 0) {
        return false;
      }
      await trx.insertInto('refresh_tokens').values({ ...next, created_at: now, used_at: null }).execute();
      await trx.updateTable('sessions').set({ last_used_at: now, expires_at: next.expires_at }).where('id', '=', next.session_id).execute();
      return true;
    });
  }
}
