import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Api, register, type Registered } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';
import { BOSS_EMAIL, registerAdmin, shareChat } from './helpers.js';

let server: TestServer;
let api: Api;

beforeAll(async () => {
  server = await startServer({ ADMIN_EMAILS: BOSS_EMAIL });
  api = new Api(server.url);
});
afterAll(() => server.close());

// Presence is in memory: take every connection a test opened down again after it.
const opened: string[] = [];
async function goOnline(user: Registered): Promise<void> {
  await server.services.presence.connect(user.user.id);
  opened.push(user.user.id);
}
afterEach(async () => {
  for (const id of opened.splice(0)) {
    await server.services.presence.disconnect(id);
  }
});

const nowIso = () => new Date(server.clock.now()).toISOString();

describe('GET /api/users/{id}/status', () => {
  it('needs a token', async () => {
    const someone = await register(api);
    expectProblem(await api.get(`/api/users/${someone.user.id}/status`), 401, 'not_authenticated');
  });

  it('a new user is offline and never seen', async () => {
    const me = await register(api);
    const other = await register(api);
    const res = await api.get(`/api/users/${other.user.id}/status`, { token: me.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user_id: other.user.id, is_online: false, last_seen: null });
  });

  it('404 user_not_found for an unknown id', async () => {
    const me = await register(api);
    expectProblem(await api.get('/api/users/01936d3c-7b1a-7c3e-9d52-3f6a1b2c4d5e/status', { token: me.token }), 404, 'user_not_found');
    expectProblem(await api.get('/api/users/nobody/status', { token: me.token }), 404, 'user_not_found');
  });

  it('follows presence: online while connected, offline after the last connection closes', async () => {
    const me = await register(api);
    const other = await register(api);
    await goOnline(other);
    await goOnline(other); // a second device
    const status = async () => (await api.get(`/api/users/${other.user.id}/status`, { token: me.token })).body;
    expect(await status()).toEqual({ user_id: other.user.id, is_online: true, last_seen: null });
    expect((await api.get(`/api/users/${other.user.id}`, { token: me.token })).body.is_online).toBe(true);
    expect((await api.get(`/api/users/search?query=${other.username}`, { token: me.token })).body[0].is_online).toBe(true);

    await server.services.presence.disconnect(other.user.id);
    expect((await status()).is_online).toBe(true);
    await server.services.presence.disconnect(other.user.id);
    opened.splice(0);
    expect((await status()).is_online).toBe(false);
    expect((await api.get(`/api/users/${other.user.id}`, { token: me.token })).body.is_online).toBe(false);
  });

  it('my own status works too', async () => {
    const me = await register(api);
    await goOnline(me);
    const res = await api.get(`/api/users/${me.user.id}/status`, { token: me.token });
    expect(res.body).toEqual({ user_id: me.user.id, is_online: true, last_seen: null });
    expect((await api.get('/api/users/me', { token: me.token })).body.is_online).toBe(true);
  });
});

describe('POST /api/users/me/last-seen', () => {
  it('needs a token', async () => {
    expectProblem(await api.post('/api/users/me/last-seen'), 401, 'not_authenticated');
  });

  it('sets last_seen to now, and again later', async () => {
    const me = await register(api);
    const other = await register(api);
    const res = await api.post('/api/users/me/last-seen', { token: me.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'updated' });
    const first = nowIso();
    const status = await api.get(`/api/users/${me.user.id}/status`, { token: other.token });
    expect(status.body).toEqual({ user_id: me.user.id, is_online: false, last_seen: first });
    expect((await api.get('/api/users/me', { token: me.token })).body.last_seen).toBe(first);
    expect((await api.get(`/api/users/${me.user.id}`, { token: other.token })).body.last_seen).toBe(first);

    server.clock.advance(5 * 60_000 + 123);
    expect((await api.post('/api/users/me/last-seen', { token: me.token })).body).toEqual({ status: 'updated' });
    const second = nowIso();
    expect(second).not.toBe(first);
    expect((await api.get(`/api/users/${me.user.id}/status`, { token: other.token })).body.last_seen).toBe(second);
    expect(second).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('accepts an empty JSON body, as seed clients send', async () => {
    const me = await register(api);
    const res = await api.post('/api/users/me/last-seen', { token: me.token, body: {} });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'updated' });
  });

  it('touches only my own last_seen', async () => {
    const me = await register(api);
    const other = await register(api);
    await api.post('/api/users/me/last-seen', { token: me.token });
    expect((await api.get(`/api/users/${other.user.id}/status`, { token: me.token })).body.last_seen).toBeNull();
  });
});

describe('GET /api/users/online', () => {
  it('needs a token', async () => {
    expectProblem(await api.get('/api/users/online'), 401, 'not_authenticated');
  });

  it('a plain user sees only online users who share a chat with them; an admin sees everyone online', async () => {
    const admin = await registerAdmin(api);
    const me = await register(api);
    const friend = await register(api); // shares a direct chat, online
    const groupmate = await register(api); // shares a group, online
    const stranger = await register(api); // online, no shared chat
    const sleepy = await register(api); // shares a chat, offline
    const exFriend = await register(api); // online, shares only a deleted chat
    const ghost = await register(api); // shared a chat, online, then deleted the account

    await shareChat(server, [me.user.id, friend.user.id]);
    await shareChat(server, [groupmate.user.id, me.user.id, sleepy.user.id, ghost.user.id]);
    await shareChat(server, [me.user.id, exFriend.user.id], { deleted: true });
    await shareChat(server, [stranger.user.id, admin.user.id]);

    for (const u of [me, friend, groupmate, stranger, exFriend, ghost]) {
      await goOnline(u);
    }
    expect((await api.delete('/api/users/me', { token: ghost.token })).status).toBe(200);

    const mine = await api.get('/api/users/online', { token: me.token });
    expect(mine.status).toBe(200);
    expect(mine.body.map((u: { id: string }) => u.id).sort()).toEqual([friend.user.id, groupmate.user.id].sort());
    for (const u of mine.body) {
      expect(u.is_online).toBe(true);
      expect(u.email).toBeNull();
      expect(Object.keys(u).sort()).toEqual(['bio', 'created_at', 'email', 'full_name', 'id', 'is_online', 'last_seen', 'profile_image', 'role', 'username']);
    }

    // The groupmate sees me (online) but not sleepy (offline) nor the stranger.
    const theirs = await api.get('/api/users/online', { token: groupmate.token });
    expect(theirs.body.map((u: { id: string }) => u.id)).toEqual([me.user.id]);

    // The stranger shares a chat only with the admin, who is offline.
    expect((await api.get('/api/users/online', { token: stranger.token })).body).toEqual([]);

    const all = await api.get('/api/users/online', { token: admin.token });
    expect(all.status).toBe(200);
    const allIds = all.body.map((u: { id: string }) => u.id).sort();
    expect(allIds).toEqual([me.user.id, friend.user.id, groupmate.user.id, stranger.user.id, exFriend.user.id].sort());
    for (const u of all.body) {
      expect(u.is_online).toBe(true);
      expect(u.email).not.toBeNull();
    }
  });

  it('leaves me out even when I am online, and empties when the others go offline', async () => {
    const me = await register(api);
    const friend = await register(api);
    await shareChat(server, [me.user.id, friend.user.id]);
    await goOnline(me);
    expect((await api.get('/api/users/online', { token: me.token })).body).toEqual([]);
    await goOnline(friend);
    expect((await api.get('/api/users/online', { token: me.token })).body.map((u: { id: string }) => u.id)).toEqual([friend.user.id]);
    await server.services.presence.disconnect(friend.user.id);
    opened.splice(opened.indexOf(friend.user.id), 1);
    expect((await api.get('/api/users/online', { token: me.token })).body).toEqual([]);
  });

  it('lists a contact once even when several chats are shared', async () => {
    const me = await register(api);
    const friend = await register(api);
    await shareChat(server, [me.user.id, friend.user.id]);
    await shareChat(server, [friend.user.id, me.user.id, (await register(api)).user.id]);
    await shareChat(server, [me.user.id, (await register(api)).user.id, friend.user.id]);
    await goOnline(friend);
    const res = await api.get('/api/users/online', { token: me.token });
    expect(res.body.map((u: { id: string }) => u.id)).toEqual([friend.user.id]);
  });
});
