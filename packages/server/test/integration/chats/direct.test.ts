import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, register } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';
import { captureEvents, chatOf, listChats, UNKNOWN_ID } from './helpers.js';

let server: TestServer;
let api: Api;

beforeAll(async () => {
  server = await startServer();
  api = new Api(server.url);
});
afterAll(() => server.close());

async function directRows(a: string, b: string) {
  const key = [a, b].sort().join(':');
  return server.storage.db.selectFrom('chats').select(['id', 'type']).where('direct_key', '=', key).execute();
}

describe('POST /api/chats/single', () => {
  it('by ?identifier=<email>: 201 with a new chat, then 200 with the same chat', async () => {
    const a = await register(api);
    const b = await register(api);
    const first = await api.post(`/api/chats/single?identifier=${encodeURIComponent(b.email)}`, { token: a.token });
    expect(first.status).toBe(201);
    expect(Object.keys(first.body)).toEqual(['chat_id']);
    expect(typeof first.body.chat_id).toBe('string');
    expect(first.body.chat_id).not.toMatch(/^\d+$/);
    const again = await api.post(`/api/chats/single?identifier=${encodeURIComponent(b.email)}`, { token: a.token });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ chat_id: first.body.chat_id });
    expect(await directRows(a.user.id, b.user.id)).toHaveLength(1);
  });

  it('by ?identifier=<username>, case-insensitively; the other side gets the same chat', async () => {
    const a = await register(api);
    const b = await register(api);
    const res = await api.post(`/api/chats/single?identifier=${b.username.toUpperCase()}`, { token: a.token });
    expect(res.status).toBe(201);
    const back = await api.post(`/api/chats/single?identifier=${encodeURIComponent(a.email.toUpperCase())}`, { token: b.token });
    expect(back.status).toBe(200);
    expect(back.body.chat_id).toBe(res.body.chat_id);
  });

  it('by JSON {identifier} and by JSON {user_id}', async () => {
    const a = await register(api);
    const b = await register(api);
    const c = await register(api);
    const byIdentifier = await api.post('/api/chats/single', { token: a.token, body: { identifier: b.username } });
    expect(byIdentifier.status).toBe(201);
    const byId = await api.post('/api/chats/single', { token: a.token, body: { user_id: b.user.id } });
    expect(byId.status).toBe(200);
    expect(byId.body.chat_id).toBe(byIdentifier.body.chat_id);
    const other = await api.post('/api/chats/single', { token: a.token, body: { user_id: c.user.id } });
    expect(other.status).toBe(201);
    expect(other.body.chat_id).not.toBe(byIdentifier.body.chat_id);
  });

  it('the new chat is a direct chat of exactly the two users, both plain members', async () => {
    const a = await register(api, { full_name: 'Amir Direct' });
    const b = await register(api, { full_name: 'Bita Direct' });
    const res = await api.post('/api/chats/single', { token: a.token, body: { identifier: b.email } });
    const chat = await chatOf(api, a, res.body.chat_id);
    expect(chat).toMatchObject({ id: res.body.chat_id, chat_type: 'single', group_name: null, group_image: null, is_public: false, my_role: 'member', last_message: null, unread_count: 0 });
    expect(chat.participants.map((p: { id: string }) => p.id).sort()).toEqual([a.user.id, b.user.id].sort());
    // b sees it in the list at once, even before any message.
    const bList = await listChats(api, b);
    expect(bList.map((c) => c.id)).toContain(res.body.chat_id);
  });

  it('exactly one chat per pair when both users open it at the same time', async () => {
    for (let round = 0; round < 5; round += 1) {
      const a = await register(api);
      const b = await register(api);
      const [x, y] = await Promise.all([
        api.post(`/api/chats/single?identifier=${b.username}`, { token: a.token }),
        api.post(`/api/chats/single?identifier=${a.username}`, { token: b.token }),
      ]);
      expect([x.status, y.status].sort()).toEqual([200, 201]);
      expect(x.body.chat_id).toBe(y.body.chat_id);
      expect(await directRows(a.user.id, b.user.id)).toHaveLength(1);
      const members = await server.storage.db.selectFrom('chat_members').select('user_id').where('chat_id', '=', x.body.chat_id).execute();
      expect(members).toHaveLength(2);
    }
  });

  it('the same user opening it several times at once also gets one chat', async () => {
    const a = await register(api);
    const b = await register(api);
    const replies = await Promise.all(Array.from({ length: 6 }, () => api.post('/api/chats/single', { token: a.token, body: { user_id: b.user.id } })));
    expect(new Set(replies.map((r) => r.body.chat_id)).size).toBe(1);
    expect(replies.filter((r) => r.status === 201)).toHaveLength(1);
    expect(replies.filter((r) => r.status === 200)).toHaveLength(5);
    expect(await directRows(a.user.id, b.user.id)).toHaveLength(1);
  });

  it('publishes chat_created once, for a new chat only', async () => {
    const a = await register(api);
    const b = await register(api);
    const cap = captureEvents(server);
    try {
      const res = await api.post('/api/chats/single', { token: a.token, body: { user_id: b.user.id } });
      await api.post('/api/chats/single', { token: b.token, body: { user_id: a.user.id } });
      const created = cap.events.filter((e) => e.type === 'chat_created');
      expect(created).toHaveLength(1);
      expect(created[0]).toMatchObject({ chat_id: res.body.chat_id, user_id: null, payload: { chat_id: res.body.chat_id, chat: { id: res.body.chat_id, chat_type: 'single' } } });
    } finally {
      cap.stop();
    }
  });

  it('400 cannot_chat_with_self, by email, username or id', async () => {
    const a = await register(api);
    expectProblem(await api.post(`/api/chats/single?identifier=${encodeURIComponent(a.email)}`, { token: a.token }), 400, 'cannot_chat_with_self');
    expectProblem(await api.post(`/api/chats/single?identifier=${a.username}`, { token: a.token }), 400, 'cannot_chat_with_self');
    expectProblem(await api.post('/api/chats/single', { token: a.token, body: { user_id: a.user.id } }), 400, 'cannot_chat_with_self');
    expect(await listChats(api, a)).toEqual([]);
  });

  it('404 user_not_found for unknown identifiers and ids, and for deleted accounts', async () => {
    const a = await register(api);
    expectProblem(await api.post('/api/chats/single?identifier=nobody@example.com', { token: a.token }), 404, 'user_not_found');
    expectProblem(await api.post('/api/chats/single?identifier=no_such_user_here', { token: a.token }), 404, 'user_not_found');
    expectProblem(await api.post('/api/chats/single', { token: a.token, body: { user_id: UNKNOWN_ID } }), 404, 'user_not_found');
    const gone = await register(api);
    expect((await api.delete('/api/users/me', { token: gone.token })).status).toBe(200);
    expectProblem(await api.post('/api/chats/single', { token: a.token, body: { user_id: gone.user.id } }), 404, 'user_not_found');
    expectProblem(await api.post(`/api/chats/single?identifier=${gone.username}`, { token: a.token }), 404, 'user_not_found');
    expect(await listChats(api, a)).toEqual([]);
  });

  it('400 validation_failed with neither identifier nor user_id', async () => {
    const a = await register(api);
    const none = await api.post('/api/chats/single', { token: a.token });
    expectProblem(none, 400, 'validation_failed');
    expect(none.body.errors?.length).toBeGreaterThan(0);
    expectProblem(await api.post('/api/chats/single', { token: a.token, body: {} }), 400, 'validation_failed');
    expectProblem(await api.post('/api/chats/single?identifier=', { token: a.token }), 400, 'validation_failed');
    expectProblem(await api.post('/api/chats/single', { token: a.token, body: { identifier: 42 } }), 400, 'validation_failed');
  });

  it('401 without a token', async () => {
    const b = await register(api);
    expectProblem(await api.post(`/api/chats/single?identifier=${b.username}`), 401, 'not_authenticated');
  });

  it('403 blocked when either user blocked the other, and nothing is created', async () => {
    const a = await register(api);
    const b = await register(api);
    expect((await api.post(`/api/users/${b.user.id}/block`, { token: a.token })).status).toBe(200);
    // The blocker cannot open it either...
    expectProblem(await api.post(`/api/chats/single?identifier=${b.username}`, { token: a.token }), 403, 'blocked');
    // ...nor the blocked user.
    expectProblem(await api.post(`/api/chats/single?identifier=${a.username}`, { token: b.token }), 403, 'blocked');
    expectProblem(await api.post('/api/chats/single', { token: b.token, body: { user_id: a.user.id } }), 403, 'blocked');
    expect(await directRows(a.user.id, b.user.id)).toHaveLength(0);
    // Unblocked: it works again.
    expect((await api.delete(`/api/users/${b.user.id}/block`, { token: a.token })).status).toBe(200);
    expect((await api.post(`/api/chats/single?identifier=${a.username}`, { token: b.token })).status).toBe(201);
  });

  it('403 blocked also when the chat already existed before the block', async () => {
    const a = await register(api);
    const b = await register(api);
    const chatId = (await api.post('/api/chats/single', { token: a.token, body: { user_id: b.user.id } })).body.chat_id;
    expect((await api.post(`/api/users/${a.user.id}/block`, { token: b.token })).status).toBe(200);
    expectProblem(await api.post('/api/chats/single', { token: a.token, body: { user_id: b.user.id } }), 403, 'blocked');
    expectProblem(await api.post('/api/chats/single', { token: b.token, body: { user_id: a.user.id } }), 403, 'blocked');
    // Sending in it is refused too.
    expectProblem(await api.post(`/api/chats/${chatId}/messages?content=hi`, { token: a.token }), 403, 'blocked');
    // The history stays readable.
    expect((await api.get(`/api/chats/${chatId}/messages`, { token: a.token })).status).toBe(200);
  });
});
