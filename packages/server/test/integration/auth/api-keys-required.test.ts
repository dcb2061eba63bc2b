import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, newUserFields, type RequestOptions } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';

let server: TestServer;
let api: Api;
let appKey: string;

beforeAll(async () => {
  server = await startServer({ API_KEY_REQUIRED: 'true', ADMIN_EMAILS: 'keymaster@example.com' });
  api = new Api(server.url);
  appKey = (await server.services.apiKeys.create('test', null)).key;
});
afterAll(() => server.close());

/** Request options carrying an API key (and optionally a bearer token). */
const withKey = (key: string, opts: RequestOptions = {}): RequestOptions => ({ ...opts, headers: { ...(opts.headers ?? {}), 'x-api-key': key } });

/** Registers over HTTP with the app key; returns the access token and user. */
async function registerWithKey(overrides: Record<string, string> = {}) {
  const res = await api.post('/api/auth/register', withKey(appKey, { body: newUserFields(overrides) }));
  expect(res.status, res.text).toBe(201);
  return { token: res.body.access_token as string, sessionToken: res.body.session_id as string, user: res.body.user };
}

describe('API_KEY_REQUIRED=true', () => {
  it('an /api request without X-API-Key → 401 api_key_required', async () => {
    expectProblem(await api.post('/api/auth/register', { body: newUserFields() }), 401, 'api_key_required');
    expectProblem(await api.post('/api/auth/login', { body: { email: 'a@example.com', password: 'whatever123' } }), 401, 'api_key_required');
    expectProblem(await api.get('/api/users/me'), 401, 'api_key_required');
    expectProblem(await api.get('/api/users/me', { headers: { 'x-api-key': '' } }), 401, 'api_key_required');
  });

  it('a wrong key → 401 api_key_invalid', async () => {
    for (const key of ['wrong', `${appKey}x`, appKey.slice(0, -1)]) {
      expectProblem(await api.post('/api/auth/login', withKey(key, { body: { email: 'a@example.com', password: 'whatever123' } })), 401, 'api_key_invalid');
    }
  });

  it('an active key lets requests through, together with a user token or session', async () => {
    const { token, sessionToken, user } = await registerWithKey();
    const me = await api.get('/api/users/me', withKey(appKey, { token }));
    expect(me.status, me.text).toBe(200);
    expect(me.body.id).toBe(user.id);
    expect((await api.get('/api/auth/validate', withKey(appKey, { headers: { 'x-session-id': sessionToken } }))).status).toBe(200);
    // A valid user token is no substitute for the key.
    expectProblem(await api.get('/api/users/me', { token }), 401, 'api_key_required');
    expectProblem(await api.get('/api/auth/validate', { headers: { 'x-session-id': sessionToken } }), 401, 'api_key_required');
  });

  it('a revoked key → 401 api_key_invalid', async () => {
    const created = await server.services.apiKeys.create('short-lived', null);
    const { token } = await registerWithKey();
    expect((await api.get('/api/users/me', withKey(created.key, { token }))).status).toBe(200);
    await server.services.apiKeys.revoke(created.id);
    expectProblem(await api.get('/api/users/me', withKey(created.key, { token })), 401, 'api_key_invalid');
    // Other keys are unaffected.
    expect((await api.get('/api/users/me', withKey(appKey, { token }))).status).toBe(200);
  });

  it('a percent-encoded path does not get around the key', async () => {
    // The router decodes `/%61pi/...` to `/api/...`: the key check must see the same path.
    expectProblem(await api.post('/%61pi/auth/register', { body: newUserFields() }), 401, 'api_key_required');
    expectProblem(await api.get('/%61pi/users/me'), 401, 'api_key_required');
    expectProblem(await api.get('/%61%70%69/auth/validate'), 401, 'api_key_required');
    expectProblem(await api.get('/api/users/me/'), 401, 'api_key_required');
    // ...while it still works with one, and /healthz spelled oddly still needs none.
    expect((await api.post('/%61pi/auth/register', withKey(appKey, { body: newUserFields() }))).status).toBe(201);
    expect((await api.get('/%68ealthz')).status).toBe(200);
  });

  it('/healthz and /readyz need no key', async () => {
    expect((await api.get('/healthz')).status).toBe(200);
    expect((await api.get('/readyz')).status).toBe(200);
  });

  it('/ws needs a key too', async () => {
    expectProblem(await api.get('/ws'), 401, 'api_key_required');
  });

  it('keys are stored hashed, never in the clear', async () => {
    const rows = await server.storage.db.selectFrom('api_keys').selectAll().execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain(appKey);
  });
});

describe('admin API /api/admin/api-keys', () => {
  let admin: string;
  let plain: string;

  beforeAll(async () => {
    const boss = await registerWithKey({ email: 'keymaster@example.com' });
    expect(boss.user.role).toBe('admin');
    admin = boss.token;
    plain = (await registerWithKey()).token;
  });

  it('create shows the key once; it works at once', async () => {
    const res = await api.post('/api/admin/api-keys', withKey(appKey, { token: admin, body: { name: 'Android app' } }));
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ name: 'Android app', revoked_at: null, last_used_at: null });
    expect(typeof res.body.id).toBe('string');
    expect(typeof res.body.key).toBe('string');
    expect(res.body.key.startsWith(res.body.prefix)).toBe(true);
    expect(res.body.prefix.length).toBeLessThan(res.body.key.length);
    expect((await api.get('/healthz')).status).toBe(200);
    expect((await api.get('/api/users/me', withKey(res.body.key, { token: plain }))).status).toBe(200);
  });

  it('list never shows a key', async () => {
    const created = await api.post('/api/admin/api-keys', withKey(appKey, { token: admin, body: { name: 'iOS app' } }));
    const list = await api.get('/api/admin/api-keys', withKey(appKey, { token: admin }));
    expect(list.status, list.text).toBe(200);
    const entry = list.body.find((k: { id: string }) => k.id === created.body.id);
    expect(entry).toMatchObject({ name: 'iOS app', prefix: created.body.prefix, revoked_at: null });
    expect(entry.key).toBeUndefined();
    for (const k of list.body) {
      expect(k).not.toHaveProperty('key');
      expect(k).not.toHaveProperty('key_hash');
    }
    expect(list.text).not.toContain(created.body.key);
    expect(list.text).not.toContain(appKey);
  });

  it('delete revokes: the key gets 401 afterwards and the list shows it revoked', async () => {
    const created = await api.post('/api/admin/api-keys', withKey(appKey, { token: admin, body: { name: 'Old web app' } }));
    const key = created.body.key as string;
    expect((await api.get('/api/users/me', withKey(key, { token: plain }))).status).toBe(200);

    const del = await api.delete(`/api/admin/api-keys/${created.body.id}`, withKey(appKey, { token: admin }));
    expect(del.status, del.text).toBe(200);
    expect(del.body.id).toBe(created.body.id);
    expect(typeof del.body.revoked_at).toBe('string');

    expectProblem(await api.get('/api/users/me', withKey(key, { token: plain })), 401, 'api_key_invalid');
    const list = await api.get('/api/admin/api-keys', withKey(appKey, { token: admin }));
    expect(list.body.find((k: { id: string }) => k.id === created.body.id).revoked_at).toBe(del.body.revoked_at);
  });

  it('deleting an unknown key → 404 api_key_not_found', async () => {
    expectProblem(await api.delete('/api/admin/api-keys/01936d3c-7b1a-7c3e-9d52-3f6a1b2c4d5e', withKey(appKey, { token: admin })), 404, 'api_key_not_found');
  });

  it('a non-admin gets 403 admin_required on every admin key route', async () => {
    const some = await server.services.apiKeys.create('victim', null);
    expectProblem(await api.post('/api/admin/api-keys', withKey(appKey, { token: plain, body: { name: 'mine' } })), 403, 'admin_required');
    expectProblem(await api.get('/api/admin/api-keys', withKey(appKey, { token: plain })), 403, 'admin_required');
    expectProblem(await api.delete(`/api/admin/api-keys/${some.id}`, withKey(appKey, { token: plain })), 403, 'admin_required');
    // ...and the key lives on.
    expect((await api.get('/api/users/me', withKey(some.key, { token: plain }))).status).toBe(200);
  });

  it('without a user token → 401 not_authenticated; without the app key → 401 api_key_required', async () => {
    expectProblem(await api.get('/api/admin/api-keys', withKey(appKey)), 401, 'not_authenticated');
    expectProblem(await api.get('/api/admin/api-keys', { token: admin }), 401, 'api_key_required');
  });

  it('a name is required', async () => {
    expectProblem(await api.post('/api/admin/api-keys', withKey(appKey, { token: admin, body: { name: '' } })), 400, 'validation_failed');
    expectProblem(await api.post('/api/admin/api-keys', withKey(appKey, { token: admin, body: {} })), 400, 'validation_failed');
  });
});
