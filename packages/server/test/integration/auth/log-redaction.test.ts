import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, loggerOptions, type BuiltApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config/load.js';
import { ManualClock } from '../../../src/lib/clock.js';
import { Api, newUserFields } from '../../support/client.js';
import { TEST_DATABASE_URL } from '../../support/server.js';

/**
 * A server like startServer()'s, but logging at info level into a buffer, so the test can read
 * every line it wrote.
 */
let built: BuiltApp;
let api: Api;
let dataDir: string;
let pgSchema: string | undefined;
const lines: string[] = [];

async function pgQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  await client.query(text);
  await client.end();
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'majlis-logs-'));
  if (TEST_DATABASE_URL) {
    pgSchema = `t_logs_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    await pgQuery(`create schema ${pgSchema}`);
  }
  const config = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    API_KEY_REQUIRED: 'false',
    ...(TEST_DATABASE_URL ? { DATABASE_URL: TEST_DATABASE_URL } : {}),
  });
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  built = await buildApp(config, {
    clock: new ManualClock(Date.now()),
    ...(pgSchema ? { pgSchema } : {}),
    logger: { ...(loggerOptions(config) as object), level: 'info', stream },
  });
  api = new Api(await built.app.listen({ port: 0, host: '127.0.0.1' }));
});

afterAll(async () => {
  await built.app.close();
  if (pgSchema) {
    await pgQuery(`drop schema if exists ${pgSchema} cascade`);
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('secrets never reach the logs', () => {
  it('passwords, access, refresh and session tokens and API keys are not logged', async () => {
    const fields = newUserFields({ password: 'Pa55word-that-must-not-leak' });
    const secrets: string[] = [fields.password];

    const reg = await api.post('/api/auth/register', { body: fields });
    expect(reg.status).toBe(201);
    secrets.push(reg.body.access_token, reg.body.refresh_token, reg.body.session_id);

    const login = await api.post('/api/auth/login', { body: { email: fields.email, password: fields.password } });
    expect(login.status).toBe(200);
    secrets.push(login.body.access_token, login.body.refresh_token, login.body.session_id);

    // A wrong password is logged no more than a right one.
    const wrong = 'Wr0ng-password-that-must-not-leak';
    secrets.push(wrong);
    expect((await api.post('/api/auth/login', { body: { email: fields.email, password: wrong } })).status).toBe(401);

    const refreshed = await api.post('/api/auth/refresh', { body: { refresh_token: login.body.refresh_token } });
    expect(refreshed.status).toBe(200);
    secrets.push(refreshed.body.access_token, refreshed.body.refresh_token);

    const { key } = await built.services.apiKeys.create('logs', null);
    secrets.push(key);

    const token = refreshed.body.access_token as string;
    expect((await api.get('/api/users/me', { token })).status).toBe(200);
    expect((await api.get('/api/users/me', { headers: { 'x-session-id': login.body.session_id } })).status).toBe(200);
    expect((await api.get('/api/users/me', { token, headers: { 'x-api-key': key } })).status).toBe(200);
    // Credentials in the query string, on a known route and on an unknown one.
    await api.get(`/api/users/me?token=${encodeURIComponent(token)}`, { token });
    await api.get(`/api/nothing-here?token=${encodeURIComponent(token)}&access_token=${encodeURIComponent(reg.body.access_token)}`);
    await api.get(`/api/users/me?refresh_token=${encodeURIComponent(refreshed.body.refresh_token)}`, { token });
    // Rejected credentials are secrets too.
    const bogus = 'bogus-bearer-token-that-must-not-leak';
    secrets.push(bogus);
    expect((await api.get('/api/users/me', { token: bogus })).status).toBe(401);
    expect(
      (await api.post('/api/auth/change-password', { token, body: { old_password: fields.password, new_password: 'N3w-password-that-must-not-leak' } })).status,
    ).toBe(200);
    secrets.push('N3w-password-that-must-not-leak');
    expect((await api.post('/api/auth/logout', { body: { refresh_token: refreshed.body.refresh_token } })).status).toBe(200);

    const log = lines.join('');
    // The logger did write: requests are logged, with credentials in URLs censored.
    expect(log).toContain('/api/auth/login');
    expect(log).toContain('/api/users/me?token=[REDACTED]');
    for (const secret of secrets) {
      expect(log.includes(secret), `log contains ${secret.slice(0, 12)}…`).toBe(false);
      expect(log.includes(encodeURIComponent(secret)), `log contains encoded ${secret.slice(0, 12)}…`).toBe(false);
    }
  });
});
