import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, newUserFields, register, type Registered } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';
import { BOSS_EMAIL, login, registerAdmin } from './helpers.js';

let server: TestServer;
let api: Api;
let admin: Registered;
let plain: Registered;

const UNKNOWN = '01936d3c-7b1a-7c3e-9d52-3f6a1b2c4d5e';

beforeAll(async () => {
  server = await startServer({ ADMIN_EMAILS: BOSS_EMAIL, LOGIN_MAX_FAILURES: '1000' });
  api = new Api(server.url);
  admin = await registerAdmin(api, { username: 'the_boss' });
  plain = await register(api);
});
afterAll(() => server.close());

let seq = 0;
function uniq(): string {
  seq += 1;
  return `${Date.now().toString(36).slice(-5)}${seq}`;
}

/** Every admin route, with a body that would be valid. */
function adminCalls(targetId: string): Array<[string, string, unknown]> {
  return [
    ['GET', '/api/users', undefined],
    ['GET', '/api/users?limit=5&skip=0&query=a', undefined],
    ['POST', '/api/users', newUserFields()],
    ['PUT', `/api/users/${targetId}`, { full_name: 'Hacked' }],
    ['PATCH', `/api/users/${targetId}`, { role: 'admin' }],
    ['DELETE', `/api/users/${targetId}`, undefined],
    ['GET', '/api/users/statistics', undefined],
  ];
}

describe('admin routes are for admins only', () => {
  it('ADMIN_EMAILS makes the registering user an admin, others are users', () => {
    expect(admin.user.role).toBe('admin');
    expect(plain.user.role).toBe('user');
  });

  it('401 without a token', async () => {
    for (const [method, path, body] of adminCalls(plain.user.id)) {
      expectProblem(await api.request(method, path, { body }), 401, 'not_authenticated');
    }
  });

  it('403 admin_required for a plain user, and nothing changes', async () => {
    const victim = await register(api, { full_name: 'Victim' });
    for (const [method, path, body] of adminCalls(victim.user.id)) {
      const res = await api.request(method, path, { token: plain.token, body });
      expectProblem(res, 403, 'admin_required');
    }
    // Even an invalid body or unknown id is 403 first, not 400/404.
    expectProblem(await api.post('/api/users', { token: plain.token, body: { nonsense: true } }), 403, 'admin_required');
    expectProblem(await api.delete(`/api/users/${UNKNOWN}`, { token: plain.token }), 403, 'admin_required');
    const after = await api.get(`/api/users/${victim.user.id}`, { token: victim.token });
    expect(after.body).toMatchObject({ full_name: 'Victim', role: 'user' });
    expect((await api.get('/api/users/me', { token: victim.token })).status).toBe(200);
  });
});

describe('GET /api/users (admin)', () => {
  let listServer: TestServer;
  let listApi: Api;
  let boss: Registered;
  const made: Registered[] = [];

  beforeAll(async () => {
    listServer = await startServer({ ADMIN_EMAILS: BOSS_EMAIL });
    listApi = new Api(listServer.url);
    boss = await registerAdmin(listApi, { username: 'list_boss', full_name: 'List Boss' });
    for (let i = 0; i < 6; i += 1) {
      listServer.clock.advance(1000);
      made.push(await register(listApi, { username: `member_${i}`, email: `member${i}@corp.test`, full_name: `Member Number ${i}` }));
    }
  });
  afterAll(() => listServer.close());

  it('lists every user, newest first, with emails, and paging fields', async () => {
    const res = await listApi.get('/api/users', { token: boss.token });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['has_more', 'limit', 'skip', 'total', 'users']);
    expect(res.body).toMatchObject({ total: 7, skip: 0, limit: 50, has_more: false });
    const ids = res.body.users.map((u: { id: string }) => u.id);
    expect(ids).toEqual(
      [...made]
        .reverse()
        .map((u) => u.user.id)
        .concat(boss.user.id),
    );
    expect(res.body.users[0]).toMatchObject({ username: 'member_5', email: 'member5@corp.test', role: 'user' });
    expect(res.body.users[6]).toMatchObject({ username: 'list_boss', email: BOSS_EMAIL, role: 'admin' });
  });

  it('pages with skip and limit', async () => {
    const page1 = await listApi.get('/api/users?limit=3', { token: boss.token });
    expect(page1.body).toMatchObject({ total: 7, skip: 0, limit: 3, has_more: true });
    expect(page1.body.users.map((u: { username: string }) => u.username)).toEqual(['member_5', 'member_4', 'member_3']);
    const page2 = await listApi.get('/api/users?limit=3&skip=3', { token: boss.token });
    expect(page2.body).toMatchObject({ total: 7, skip: 3, limit: 3, has_more: true });
    expect(page2.body.users.map((u: { username: string }) => u.username)).toEqual(['member_2', 'member_1', 'member_0']);
    const page3 = await listApi.get('/api/users?limit=3&skip=6', { token: boss.token });
    expect(page3.body).toMatchObject({ total: 7, skip: 6, limit: 3, has_more: false });
    expect(page3.body.users.map((u: { username: string }) => u.username)).toEqual(['list_boss']);
    const exact = await listApi.get('/api/users?limit=7', { token: boss.token });
    expect(exact.body).toMatchObject({ total: 7, has_more: false });
    expect(exact.body.users).toHaveLength(7);
    const beyond = await listApi.get('/api/users?skip=100', { token: boss.token });
    expect(beyond.body).toMatchObject({ users: [], total: 7, skip: 100, has_more: false });
  });

  it('filters with query on username, full name and (for admins) part of an email', async () => {
    const byName = await listApi.get('/api/users?query=member_3', { token: boss.token });
    expect(byName.body).toMatchObject({ total: 1, has_more: false });
    expect(byName.body.users.map((u: { id: string }) => u.id)).toEqual([made[3]?.user.id]);
    const byFull = await listApi.get(`/api/users?query=${encodeURIComponent('number 4')}`, { token: boss.token });
    expect(byFull.body.users.map((u: { id: string }) => u.id)).toEqual([made[4]?.user.id]);
    const byEmail = await listApi.get('/api/users?query=corp.test&limit=2', { token: boss.token });
    expect(byEmail.body).toMatchObject({ total: 6, limit: 2, has_more: true });
    const none = await listApi.get('/api/users?query=zzzz', { token: boss.token });
    expect(none.body).toMatchObject({ users: [], total: 0, has_more: false });
    const wildcard = await listApi.get(`/api/users?query=${encodeURIComponent('%')}`, { token: boss.token });
    expect(wildcard.body.total).toBe(0);
  });

  it('400 for bad paging values', async () => {
    for (const q of ['limit=0', 'limit=201', 'limit=abc', 'skip=-1', 'skip=x', `query=${'q'.repeat(101)}`]) {
      expectProblem(await listApi.get(`/api/users?${q}`, { token: boss.token }), 400, 'validation_failed');
    }
  });

  it('leaves deleted users out of the list and the total', async () => {
    const doomed = await register(listApi);
    expect((await listApi.get('/api/users', { token: boss.token })).body.total).toBe(8);
    expect((await listApi.delete(`/api/users/${doomed.user.id}`, { token: boss.token })).status).toBe(200);
    const res = await listApi.get('/api/users', { token: boss.token });
    expect(res.body.total).toBe(7);
    expect(res.body.users.map((u: { id: string }) => u.id)).not.toContain(doomed.user.id);
  });
});

describe('POST /api/users (admin)', () => {
  it('creates a user (201) who can log in', async () => {
    const fields = newUserFields({ full_name: 'Made By Admin' });
    const res = await api.post('/api/users', { token: admin.token, body: { ...fields, bio: 'New here' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      username: fields.username,
      email: fields.email,
      full_name: 'Made By Admin',
      bio: 'New here',
      role: 'user',
      is_online: false,
      last_seen: null,
    });
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    const session = await login(api, fields.email, fields.password);
    const me = await api.get('/api/users/me', { token: session.token });
    expect(me.body.id).toBe(res.body.id);
  });

  it('can create another admin', async () => {
    const fields = newUserFields();
    const res = await api.post('/api/users', { token: admin.token, body: { ...fields, role: 'admin' } });
    expect(res.status).toBe(201);
    expect(res.body.role).toBe('admin');
    const session = await login(api, fields.username, fields.password);
    expect((await api.get('/api/users/statistics', { token: session.token })).status).toBe(200);
  });

  it('409 for a taken username or email, in any case', async () => {
    const taken = await register(api);
    expectProblem(await api.post('/api/users', { token: admin.token, body: newUserFields({ username: taken.username.toUpperCase() }) }), 409, 'username_taken');
    expectProblem(await api.post('/api/users', { token: admin.token, body: newUserFields({ email: taken.email.toUpperCase() }) }), 409, 'email_taken');
  });

  it('400 for missing or invalid fields', async () => {
    const res = await api.post('/api/users', { token: admin.token, body: {} });
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['username', 'email', 'password']));
    expectProblem(await api.post('/api/users', { token: admin.token, body: newUserFields({ password: 'short' }) }), 400, 'validation_failed');
    expectProblem(await api.post('/api/users', { token: admin.token, body: { ...newUserFields(), role: 'superuser' } }), 400, 'validation_failed');
  });
});

describe.each(['PUT', 'PATCH'] as const)('%s /api/users/{id} (admin)', (method) => {
  const send = (token: string, id: string, body: unknown) => api.request(method, `/api/users/${id}`, { token, body });

  it('changes profile fields', async () => {
    const user = await register(api);
    const username = `edited_${uniq()}`;
    const email = `edited_${uniq()}@example.com`;
    const res = await send(admin.token, user.user.id, { username, email, full_name: 'Edited Name', bio: 'Edited bio' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: user.user.id, username, email, full_name: 'Edited Name', bio: 'Edited bio', role: 'user' });
    const seen = await api.get('/api/users/me', { token: user.token });
    expect(seen.body).toMatchObject({ username, email, full_name: 'Edited Name', bio: 'Edited bio' });
  });

  it("a promotion takes effect at once on the user's existing token, and so does a demotion", async () => {
    const user = await register(api);
    expectProblem(await api.get('/api/users', { token: user.token }), 403, 'admin_required');
    const promoted = await send(admin.token, user.user.id, { role: 'admin' });
    expect(promoted.status).toBe(200);
    expect(promoted.body.role).toBe('admin');
    expect((await api.get('/api/users', { token: user.token })).status).toBe(200);
    expect((await api.get('/api/users/statistics', { token: user.token })).status).toBe(200);
    // The promoted user now sees emails of others.
    expect((await api.get(`/api/users/${plain.user.id}`, { token: user.token })).body.email).toBe(plain.email);

    const demoted = await send(admin.token, user.user.id, { role: 'user' });
    expect(demoted.body.role).toBe('user');
    expectProblem(await api.get('/api/users', { token: user.token }), 403, 'admin_required');
    expect((await api.get(`/api/users/${plain.user.id}`, { token: user.token })).body.email).toBeNull();
  });

  it('a password reset ends every session of that user; the new password works', async () => {
    const user = await register(api);
    const second = await login(api, user.email, user.password);
    const res = await send(admin.token, user.user.id, { password: 'reset by the admin' });
    expect(res.status).toBe(200);
    for (const token of [user.token, second.token]) {
      expect((await api.get('/api/users/me', { token })).status).toBe(401);
    }
    expect((await api.get('/api/users/me', { headers: { 'x-session-id': user.sessionToken } })).status).toBe(401);
    expect((await api.post('/api/auth/refresh', { body: { refresh_token: user.refresh } })).status).toBe(401);
    expectProblem(await api.post('/api/auth/login', { body: { email: user.email, password: user.password } }), 401, 'invalid_credentials');
    const fresh = await login(api, user.email, 'reset by the admin');
    expect((await api.get('/api/users/me', { token: fresh.token })).status).toBe(200);
    // The admin's own session is untouched.
    expect((await api.get('/api/users/me', { token: admin.token })).status).toBe(200);
  });

  it("changes that are not a password leave the user's sessions alone", async () => {
    const user = await register(api);
    await send(admin.token, user.user.id, { full_name: 'Still Logged In', role: 'user' });
    expect((await api.get('/api/users/me', { token: user.token })).status).toBe(200);
  });

  it('409 for a taken username or email, in any case', async () => {
    const user = await register(api);
    const taken = await register(api);
    expectProblem(await send(admin.token, user.user.id, { username: taken.username.toUpperCase() }), 409, 'username_taken');
    expectProblem(await send(admin.token, user.user.id, { email: taken.email.toUpperCase() }), 409, 'email_taken');
    // A user's own values are not a conflict.
    expect((await send(admin.token, user.user.id, { username: user.username, email: user.email })).status).toBe(200);
  });

  it('404 for an unknown or deleted user', async () => {
    expectProblem(await send(admin.token, UNKNOWN, { full_name: 'Nobody' }), 404, 'user_not_found');
    const gone = await register(api);
    await api.delete('/api/users/me', { token: gone.token });
    expectProblem(await send(admin.token, gone.user.id, { full_name: 'Zombie' }), 404, 'user_not_found');
  });

  it('400 for invalid values', async () => {
    const user = await register(api);
    for (const body of [{ role: 'root' }, { username: 'a' }, { email: 'nope' }, { password: 'short' }, { bio: 'b'.repeat(501) }]) {
      expectProblem(await send(admin.token, user.user.id, body), 400, 'validation_failed');
    }
  });
});

describe('DELETE /api/users/{id} (admin)', () => {
  it('deletes the account: sessions end, profile 404, name and email free', async () => {
    const user = await register(api);
    const second = await login(api, user.username, user.password);
    const res = await api.delete(`/api/users/${user.user.id}`, { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'deleted' });
    for (const token of [user.token, second.token]) {
      expect((await api.get('/api/users/me', { token })).status).toBe(401);
    }
    expectProblem(await api.get(`/api/users/${user.user.id}`, { token: admin.token }), 404, 'user_not_found');
    expectProblem(await api.post('/api/auth/login', { body: { email: user.email, password: user.password } }), 401, 'invalid_credentials');
    const again = await api.post('/api/auth/register', { body: { username: user.username, email: user.email, password: 'a fresh password' } });
    expect(again.status).toBe(201);
  });

  it('404 for an unknown or already deleted user', async () => {
    expectProblem(await api.delete(`/api/users/${UNKNOWN}`, { token: admin.token }), 404, 'user_not_found');
    const user = await register(api);
    expect((await api.delete(`/api/users/${user.user.id}`, { token: admin.token })).status).toBe(200);
    expectProblem(await api.delete(`/api/users/${user.user.id}`, { token: admin.token }), 404, 'user_not_found');
  });
});

describe('GET /api/users/statistics (admin)', () => {
  let stats: TestServer;
  let statsApi: Api;

  beforeAll(async () => {
    // Tokens must outlive the days this test moves the clock by.
    stats = await startServer({ ADMIN_EMAILS: BOSS_EMAIL, ACCESS_TOKEN_TTL: '60d', REFRESH_TOKEN_TTL: '90d' });
    statsApi = new Api(stats.url);
  });
  afterAll(() => stats.close());

  const DAY = 86_400_000;

  it('counts users, admins, online, deleted, new and active users', async () => {
    const boss = await registerAdmin(statsApi);
    const u1 = await register(statsApi);
    const u2 = await register(statsApi);
    const get = async () => {
      const res = await statsApi.get('/api/users/statistics', { token: boss.token });
      expect(res.status).toBe(200);
      return res.body;
    };
    expect(await get()).toEqual({
      total_users: 3,
      admins: 1,
      online_users: 0,
      deleted_users: 0,
      new_last_24h: 3,
      new_last_7d: 3,
      active_last_24h: 3,
    });

    stats.clock.advance(3 * DAY);
    const u3 = await register(statsApi);
    const u4 = await register(statsApi);
    expect((await statsApi.delete(`/api/users/${u4.user.id}`, { token: boss.token })).status).toBe(200);
    await stats.services.presence.connect(u1.user.id);
    await stats.services.presence.connect(u3.user.id);
    expect(await get()).toEqual({
      total_users: 4, // boss, u1, u2, u3
      admins: 1,
      online_users: 2,
      deleted_users: 1,
      new_last_24h: 1, // u3 (u4 is deleted)
      new_last_7d: 4,
      active_last_24h: 2, // boss (this request) and u3 (just registered)
    });

    // u1 reports in: active again; u2 is promoted.
    expect((await statsApi.post('/api/users/me/last-seen', { token: u1.token })).status).toBe(200);
    expect((await statsApi.patch(`/api/users/${u2.user.id}`, { token: boss.token, body: { role: 'admin' } })).status).toBe(200);
    expect(await get()).toMatchObject({ total_users: 4, admins: 2, active_last_24h: 3 });

    await stats.services.presence.disconnect(u1.user.id);
    await stats.services.presence.disconnect(u3.user.id);
    stats.clock.advance(5 * DAY);
    expect(await get()).toEqual({
      total_users: 4,
      admins: 2,
      online_users: 0,
      deleted_users: 1,
      new_last_24h: 0,
      new_last_7d: 1, // u3, 5 days old; the first three are 8 days old
      active_last_24h: 1, // only boss, by asking
    });
  });
});
