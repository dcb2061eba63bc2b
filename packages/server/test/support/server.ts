import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type AppDeps, buildApp, type BuiltApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { ManualClock } from '../../src/lib/clock.js';

/**
 * A real server for a test file: real HTTP on 127.0.0.1, a real SQLite file in a temp dir (or,
 * with TEST_DATABASE_URL, a fresh PostgreSQL schema), and a clock the test moves by hand.
 */
export interface TestServer extends BuiltApp {
  url: string;
  clock: ManualClock;
  dataDir: string;
  close(): Promise<void>;
}

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? '';

/** Which database this run uses, for test names and skips. */
export const dialectUnderTest = TEST_DATABASE_URL ? 'postgres' : 'sqlite';

async function createPgSchema(): Promise<string> {
  const schema = `t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  await client.query(`create schema ${schema}`);
  await client.end();
  return schema;
}

async function dropPgSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  await client.query(`drop schema if exists ${schema} cascade`);
  await client.end();
}

/** Starts a server with test-friendly config (generous auth limits, silent logs) plus `env`. */
export async function startServer(env: Record<string, string> = {}, deps: Omit<AppDeps, 'clock' | 'pgSchema'> = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'majlis-test-'));
  const pgSchema = TEST_DATABASE_URL ? await createPgSchema() : undefined;
  const config = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    AUTH_RATE_LIMIT_PER_MINUTE: '10000',
    RATE_LIMIT_PER_MINUTE: '10000',
    ...(TEST_DATABASE_URL ? { DATABASE_URL: TEST_DATABASE_URL } : {}),
    ...env,
  });
  const clock = new ManualClock(Date.now());
  const built = await buildApp(config, { ...deps, clock, ...(pgSchema ? { pgSchema } : {}) });
  const url = await built.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    ...built,
    url,
    clock,
    dataDir,
    async close() {
      await built.app.close();
      if (pgSchema) {
        await dropPgSchema(pgSchema);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
