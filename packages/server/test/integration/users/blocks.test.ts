import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, register } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';

let server: TestServer;
let api: Api;

beforeAll(async () => {
  server = await startServer();
  api = new Api(server.url);
});
afterAll(() => server.close());

const UNKNOWN = '01936d3c-7b1a-7c3e-9d52-3f6a1b2c4d5e';

async function blockedIds(token: string): Promise<string[]> {
  const res = await api.get('/api/users/me/blocked', { token });
  expect(res.status).toBe(200);
  return res.body.map((u: { id: string }) => u.id);
}

describe('blocking users', () => {
  it('every block route needs a token', async () => {
    const target = await register(api);
    expectProblem(await api.post(`/api/users/${target.user.id}/block`), 401, 'not_authenticated');
    expectProblem(await api.delete(`/api/users/${target.user.id}/block`), 401, 'not_authenticated');
    expectProblem(await api.get('/api/users/me/blocked'), 401, 'not_authenticated');
  });

  it('nobody is blocked at first', async () => {
    const me = await register(api);
    expect(await blockedIds(me.token)).toEqual([]);
  });

  it('blocks a user, who then appears in my blocked list (without their email)', async () => {
    const me = await register(api);
    const pest = await register(api, { full_name: 'Pesky Person' });
    const res = await api.post(`/api/users/${pest.user.id}/block`, { token: me.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'blocked' });
    const list = await api.get('/api/users/me/blocked', { token: me.token });
    expect(list.body).toEqual([expect.objectContaining({ id: pest.user.id, username: pest.username, full_name: 'Pesky Person', email: null })]);
    expect(Object.keys(list.body[0]).sort()).toEqual([
      'bio',
      'created_at',
      'email',
      'full_name',
      'id',
      'is_online',
      'last_seen',
      'profile_image',
      'role',
      'username',
    ]);
  });

  it('blocking twice is fine and lists the user once', async () => {
    const me = await register(api);
    const pest = await register(api);
    for (let i = 0; i < 3; i += 1) {
      const res = await api.post(`/api/users/${pest.user.id}/block`, { token: me.token });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'blocked' });
    }
    expect(await blockedIds(me.token)).toEqual([pest.user.id]);
  });

  it("a block is one-way: the blocked user's own list stays empty", async () => {
    const me = await register(api);
    const pest = await register(api);
    await api.post(`/api/users/${pest.user.id}/block`, { token: me.token });
    expect(await blockedIds(pest.token)).toEqual([]);
    // And they can still see my profile.
    expect((await api.get(`/api/users/${me.user.id}`, { token: pest.token })).status).toBe(200);
  });

  it('both users may block each other', async () => {
    const a = await register(api);
    const b = await register(api);
    expect((await api.post(`/api/users/${b.user.id}/block`, { token: a.token })).status).toBe(200);
    expect((await api.post(`/api/users/${a.user.id}/block`, { token: b.token })).status).toBe(200);
    expect(await blockedIds(a.token)).toEqual([b.user.id]);
    expect(await blockedIds(b.token)).toEqual([a.user.id]);
  });

  it('tells the chat rules when either side blocked the other', async () => {
    const a = await register(api);
    const b = await register(api);
    const c = await register(api);
    await api.post(`/api/users/${b.user.id}/block`, { token: a.token });
    const users = server.services.users;
    expect(await users.eitherBlocked(a.user.id, b.user.id)).toBe(true);
    expect(await users.eitherBlocked(b.user.id, a.user.id)).toBe(true);
    expect(await users.eitherBlocked(a.user.id, c.user.id)).toBe(false);
    await api.delete(`/api/users/${b.user.id}/block`, { token: a.token });
    expect(await users.eitherBlocked(a.user.id, b.user.id)).toBe(false);
  });

  it('lists several blocked users, newest first', async () => {
    const me = await register(api);
    const first = await register(api);
    const second = await register(api);
    const third = await register(api);
    for (const u of [first, second, third]) {
      expect((await api.post(`/api/users/${u.user.id}/block`, { token: me.token })).status).toBe(200);
      server.clock.advance(1000);
    }
    expect(await blockedIds(me.token)).toEqual([third.user.id, second.user.id, first.user.id]);
  });

  it('400 cannot_block_self', async () => {
    const me = await register(api);
    expectProblem(await api.post(`/api/users/${me.user.id}/block`, { token: me.token }), 400, 'cannot_block_self');
    expect(await blockedIds(me.token)).toEqual([]);
  });

  it('404 user_not_found for unknown or deleted users', async () => {
    const me = await register(api);
    expectProblem(await api.post(`/api/users/${UNKNOWN}/block`, { token: me.token }), 404, 'user_not_found');
    expectProblem(await api.post('/api/users/not-a-user/block', { token: me.token }), 404, 'user_not_found');
    expectProblem(await api.delete(`/api/users/${UNKNOWN}/block`, { token: me.token }), 404, 'user_not_found');
    const gone = await register(api);
    await api.delete('/api/users/me', { token: gone.token });
    expectProblem(await api.post(`/api/users/${gone.user.id}/block`, { token: me.token }), 404, 'user_not_found');
    expect(await blockedIds(me.token)).toEqual([]);
  });

  it('400 for an id too long to be an id', async () => {
    const me = await register(api);
    expectProblem(await api.post(`/api/users/${'x'.repeat(65)}/block`, { token: me.token }), 400, 'validation_failed');
  });

  it('unblocks, and unblocking again is fine', async () => {
    const me = await register(api);
    const pest = await register(api);
    const other = await register(api);
    await api.post(`/api/users/${pest.user.id}/block`, { token: me.token });
    await api.post(`/api/users/${other.user.id}/block`, { token: me.token });
    const res = await api.delete(`/api/users/${pest.user.id}/block`, { token: me.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'unblocked' });
    expect(await blockedIds(me.token)).toEqual([other.user.id]);
    const again = await api.delete(`/api/users/${pest.user.id}/block`, { token: me.token });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ status: 'unblocked' });
    // Unblocking someone I never blocked is harmless too.
    expect((await api.delete(`/api/users/${me.user.id}/block`, { token: pest.token })).status).toBe(200);
    // And blocking again works.
    expect((await api.post(`/api/users/${pest.user.id}/block`, { token: me.token })).status).toBe(200);
    expect((await blockedIds(me.token)).sort()).toEqual([pest.user.id, other.user.id].sort());
  });

  it('a blocked user who deletes their account leaves my list', async () => {
    const me = await register(api);
    const pest = await register(api);
    const stays = await register(api);
    await api.post(`/api/users/${pest.user.id}/block`, { token: me.token });
    await api.post(`/api/users/${stays.user.id}/block`, { token: me.token });
    expect((await api.delete('/api/users/me', { token: pest.token })).status).toBe(200);
    expect(await blockedIds(me.token)).toEqual([stays.user.id]);
  });

  it('the blocked user of a deleted account is unaffected', async () => {
    const me = await register(api);
    const pest = await register(api);
    await api.post(`/api/users/${pest.user.id}/block`, { token: me.token });
    expect((await api.delete('/api/users/me', { token: me.token })).status).toBe(200);
    expect(await blockedIds(pest.token)).toEqual([]);
    expect((await api.get('/api/users/me', { token: pest.token })).status).toBe(200);
  });
});
