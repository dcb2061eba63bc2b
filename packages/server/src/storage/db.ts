import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresAdapter, PostgresDialect, SqliteDialect, sql, type MigrationResultSet } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import { MIGRATIONS } from './migrations/index.js';

export type Db = Kysely<Database>;
export type Dialect = 'sqlite' | 'postgres';

export interface DatabaseOptions {
  /** '' → SQLite at `${dataDir}/majlis.db`; `sqlite:<path>`; `postgres://...`. */
  url: string;
  dataDir: string;
  poolSize: number;
  /** PostgreSQL schema to use (tests give each file its own). */
  pgSchema?: string;
  /** Called with every executed query's SQL (tests count queries with it). */
  onQuery?: (sql: string) => void;
}

export interface Storage {
  db: Db;
  dialect: Dialect;
  close(): Promise<void>;
}

function logOption(options: DatabaseOptions) {
  const { onQuery } = options;
  return onQuery ? { log: (event: { query: { sql: string } }) => onQuery(event.query.sql) } : {};
}

/** Opens the database named by the options (SQLite in WAL mode, or a PostgreSQL pool). */
export function openDatabase(options: DatabaseOptions): Storage {
  if (/^postgres(ql)?:\/\//.test(options.url)) {
    // int8 (bigint) columns hold epoch milliseconds, which fit a JS number exactly.
    const types = { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) };
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize,
      types,
      ...(options.pgSchema ? { options: `-c search_path=${options.pgSchema}` } : {}),
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), ...logOption(options) });
    return { db, dialect: 'postgres', close: () => db.destroy() };
  }
  const file = options.url.startsWith('sqlite:') ? options.url.slice('sqlite:'.length) : resolve(options.dataDir, 'majlis.db');
  if (file !== ':memory:') {
    mkdirSync(dirname(file), { recursive: true });
  }
  const sqlite = new SQLite(file);
  // WAL: readers never block the writer; NORMAL sync survives a process crash (see docs).
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // SQLite's own lower() folds ASCII only, so lower('Élodie') stayed 'Élodie' and searches (which
  // compare lower(column) with text lower-cased in JS) missed every non-ASCII capital.
  sqlite.function('lower', { deterministic: true }, (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value));
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }), ...logOption(options) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

/** Brings the schema to the newest version; throws with the failing migration's error. */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  // Kysely looks for its migration tables in every PostgreSQL schema unless told which one: pin
  // it to ours, or another schema's tables (another app, a parallel test) pass for ours.
  let migrationTableSchema: string | undefined;
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
    migrationTableSchema = rows[0]?.schema ?? undefined;
  }
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS }, ...(migrationTableSchema ? { migrationTableSchema } : {}) });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    throw result.error instanceof Error ? result.error : new Error(String(result.error));
  }
  return result;
}

/** True when the database answers a trivial query. */
export async function ping(db: Kysely<any>): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
