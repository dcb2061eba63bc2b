import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildApp } from '../app.js';
import { configDoc, loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { usernameKey } from '../modules/users/users.repo.js';
import { buildServices } from '../services.js';
import { migrateToLatest, openDatabase } from '../storage/db.js';

export type Out = (line: string) => void;

/** Runs `fn` with wired services and closes storage afterwards. */
async function withServices<T>(config: Config, fn: (wired: Awaited<ReturnType<typeof buildServices>>) => Promise<T>): Promise<T> {
  const wired = await buildServices(config);
  try {
    return await fn(wired);
  } finally {
    await wired.storage.close();
  }
}

/** `majlis migrate`: brings the database schema to the newest version. */
export async function migrate(config: Config, out: Out): Promise<void> {
  const storage = openDatabase({ url: config.DATABASE_URL, dataDir: resolve(config.DATA_DIR), poolSize: 1 });
  try {
    const result = await migrateToLatest(storage.db);
    const applied = result.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
    out(applied.length ? `applied: ${applied.join(', ')}` : 'the database schema is up to date');
  } finally {
    await storage.close();
  }
}

/** `majlis create-admin`: creates an admin, or promotes the existing user with that email/username. */
export async function createAdmin(config: Config, args: { username?: string; email?: string; password?: string; fullName?: string }, out: Out): Promise<void> {
  await withServices(config, async ({ services, storage }) => {
    const { users } = services;
    const existing = args.email
      ? await storage.db.selectFrom('users').selectAll().where('email_key', '=', args.email.trim().toLowerCase()).where('deleted_at', 'is', null).executeTakeFirst()
      : args.username
        ? await storage.db.selectFrom('users').selectAll().where('username_key', '=', usernameKey(args.username)).where('deleted_at', 'is', null).executeTakeFirst()
        : undefined;
    if (existing) {
      await users.adminUpdate({ id: existing.id, role: 'admin' }, existing.id, { role: 'admin', ...(args.password ? { password: args.password } : {}) });
      out(`promoted ${existing.username} (${existing.id}) to admin`);
      return;
    }
    if (!args.username || !args.email || !args.password) {
      throw new UsageError('create-admin needs --username, --email and --password to create a new admin');
    }
    if (args.password.length < 8) {
      throw new UsageError('--password must be at least 8 characters');
    }
    if (!/^[\p{L}\p{M}\p{N}_.]{3,32}$/u.test(args.username)) {
      throw new UsageError('--username must be 3-32 letters, digits, "_" or "."');
    }
    const row = await users.create({ username: args.username, email: args.email, password: args.password, full_name: args.fullName ?? null, role: 'admin' });
    out(`created admin ${row.username} (${row.id})`);
  });
}

export async function apiKeyCreate(config: Config, name: string, out: Out): Promise<void> {
  await withServices(config, async ({ services }) => {
    const key = await services.apiKeys.create(name, null);
    out(`created API key "${key.name}" (${key.id}). It is shown only now:`);
    out(key.key);
  });
}

export async function apiKeyList(config: Config, out: Out): Promise<void> {
  await withServices(config, async ({ services }) => {
    const keys = await services.apiKeys.list();
    if (keys.length === 0) {
      out('no API keys');
    }
    for (const k of keys) {
      out(`${k.id}  ${k.prefix}…  ${k.revoked_at ? `revoked ${k.revoked_at}` : 'active'}  ${k.name}`);
    }
  });
}

export async function apiKeyRevoke(config: Config, id: string, out: Out): Promise<void> {
  await withServices(config, async ({ services }) => {
    const key = await services.apiKeys.revoke(id);
    out(`revoked API key "${key.name}" (${key.id})`);
  });
}

/** `majlis openapi`: the OpenAPI document the server serves, from the route schemas. */
export async function openapi(outFile: string | undefined, out: Out): Promise<void> {
  const config = loadConfig({ DATABASE_URL: 'sqlite::memory:', DATA_DIR: '/tmp/majlis-openapi', JWT_SECRET: 'x'.repeat(32), LOG_LEVEL: 'silent' });
  const { app } = await buildApp(config);
  await app.ready();
  const text = `${JSON.stringify(app.swagger(), null, 2)}\n`;
  await app.close();
  if (outFile) {
    writeFileSync(outFile, text);
    out(`wrote ${outFile}`);
  } else {
    out(text.trimEnd());
  }
}

export function configTable(out: Out): void {
  out(configDoc());
}

/** A mistake in how the command was called: printed with the usage, exit code 2. */
export class UsageError extends Error {}
