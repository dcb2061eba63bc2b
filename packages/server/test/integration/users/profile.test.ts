import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, register, type Registered } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';
import { BOSS_EMAIL, registerAdmin } from './helpers.js';

let server: TestServer;
let api: Api;
let admin: Registered;
let me: Registered;
let other: Registered;

beforeAll(async () => {
  server = await startServer({ ADMIN_EMAILS: BOSS_EMAIL });
  api = new Api(server.url);
  admin = await registerAdmin(api);
  me = await register(api, { full_name: 'Me Myself' });
  other = await register(api, { full_name: 'Someone Else' });
  await api.patch('/api/users/me', { token: other.token, body: { bio: 'I like tea.' } });
});
afterAll(() => server.close());

describe('GET /api/users/{id}', () => {
  it('needs a token', async () => {
    expectProblem(await api.get(`/api/users/${other.user.id}`), 401, 'not_authenticated');
  });

  it("shows another user's public profile, without the email", async () => {
    const res = await api.get(`/api/users/${other.user.id}`, { token: me.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: other.user.id,
      username: other.username,
      email: null,
      full_name: 'Someone Else',
      profile_image: null,
      bio: 'I like tea.',
      role: 'user',
      is_online: false,
      last_seen: null,
      created_at: other.user.created_at,
    });
  });

  it('shows my own email to me', async () => {
    const res = await api.get(`/api/users/${me.user.id}`, { token: me.token });
    expect(res.status).toBe(200);
    expect(res.body.email).toBe(me.email);
  });

  it('shows emails to admins', async () => {
    const res = await api.get(`/api/users/${other.user.id}`, { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body.email).toBe(other.email);
    // And the admin's own email is still hidden from plain users.
    const adminSeen = await api.get(`/api/users/${admin.user.id}`, { token: me.token });
    expect(adminSeen.body).toMatchObject({ id: admin.user.id, email: null, role: 'admin' });
  });

  it('404 user_not_found for an unknown id', async () => {
    expectProblem(await api.get('/api/users/01936d3c-7b1a-7c3e-9d52-3f6a1b2c4d5e', { token: me.token }), 404, 'user_not_found');
    expectProblem(await api.get('/api/users/no-such-user', { token: me.token }), 404, 'user_not_found');
    expectProblem(await api.get('/api/users/1', { token: me.token }), 404, 'user_not_found');
    expectProblem(await api.get(`/api/users/${encodeURIComponent("' or 1=1 --")}`, { token: me.token }), 404, 'user_not_found');
  });

  it('400 for an id that cannot be an id (too long)', async () => {
    expectProblem(await api.get(`/api/users/${'a'.repeat(65)}`, { token: me.token }), 400, 'validation_failed');
  });

  it('404 for a deleted user, even to admins', async () => {
    const doomed = await register(api);
    expect((await api.delete('/api/users/me', { token: doomed.token })).status).toBe(200);
    expectProblem(await api.get(`/api/users/${doomed.user.id}`, { token: me.token }), 404, 'user_not_found');
    expectProblem(await api.get(`/api/users/${doomed.user.id}`, { token: admin.token }), 404, 'user_not_found');
  });

  it('the email of an admin-viewed list or search result follows the same rule', async () => {
    const asUser = await api.get(`/api/users/search?query=${other.username}`, { token: me.token });
    expect(asUser.body).toEqual([expect.objectContaining({ id: other.user.id, email: null })]);
    const asAdmin = await api.get(`/api/users/search?query=${other.username}`, { token: admin.token });
    expect(asAdmin.body).toEqual([expect.objectContaining({ id: other.user.id, email: other.email })]);
  });
});
