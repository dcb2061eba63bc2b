import { type Kysely, PostgresAdapter } from 'kysely';

/** True when `db` talks to PostgreSQL (migrations and the few dialect-specific queries branch on it). */
export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
