import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, register } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';
import { CHAT_KEYS, chatOf, createGroup, expectChatShape, LAST_MESSAGE_KEYS, listChats, openDirect, registerMany, send, UNKNOWN_ID, USER_KEYS } from './helpers.js';

let server: TestServer;
let api: Api;

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

beforeAll(async () => {
  server = await startServer();
  api = new Api(server.url);
});
afterAll(() => server.close());

describe('GET /api/chats', () => {
  it('401 without a token', async () => {
    expectProblem(await api.get('/api/chats'), 401, 'not_authenticated');
  });

  it('is empty for a new user', async () => {
    const me = await register(api);
    const res = await api.get('/api/chats', { token: me.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
  });

  it('has the FastAPI seed shape: participants as users, last_message with sender_name', async () => {
    const a = await register(api, { full_name: 'Ali Sender' });
    const b = await register(api, { full_name: '' });
    const chatId = await openDirect(api, a, b.email);
    server.clock.advance(1000);
    const sent = await send(api, a, chatId, 'سلام، چطوری؟');
    const list = await listChats(api, b);
    expect(list).toHaveLength(1);
    const chat = list[0];
    expectChatShape(chat);
    expect(chat).toMatchObject({
      id: chatId,
      chat_type: 'single',
      group_name: null,
      group_image: null,
      description: null,
      is_public: false,
      unread_count: 1,
      my_role: 'member',
      is_archived: false,
      is_muted: false,
    });
    expect(chat.created_at).toMatch(ISO);
    expect(chat.updated_at).toMatch(ISO);
    expect(chat.last_message).toMatchObject({ id: sent.id, content: 'سلام، چطوری؟', message_type: 'text', sender_id: a.user.id, sender_name: 'Ali Sender' });
    expect(chat.last_message.created_at).toBe(sent.created_at);
    expect(chat.last_message.created_at).toMatch(ISO);
    expect(Object.keys(chat.last_message)).toEqual(expect.arrayContaining(LAST_MESSAGE_KEYS));
    // Participants: both users, as user objects; another user's email is hidden, mine is shown.
    const byId = Object.fromEntries(chat.participants.map((p: { id: string }) => [p.id, p]));
    expect(Object.keys(byId).sort()).toEqual([a.user.id, b.user.id].sort());
    for (const p of chat.participants) {
      expect(Object.keys(p)).toEqual(expect.arrayContaining(USER_KEYS));
    }
    expect(byId[a.user.id]).toMatchObject({ username: a.username, full_name: 'Ali Sender', email: null });
    expect(byId[b.user.id]).toMatchObject({ username: b.username, email: b.email });
    // sender_name falls back to the username when there is no full name.
    await send(api, b, chatId, 'fine');
    expect((await listChats(api, a))[0].last_message).toMatchObject({ sender_id: b.user.id, sender_name: b.username, content: 'fine' });
  });

  it('a group in the list: group fields, my_role, every member', async () => {
    const [owner, m1, m2] = await registerMany(api, 3);
    const chatId = await createGroup(api, owner!, [m1!, m2!], { name: 'Team', description: 'Work things', is_public: true });
    const chat = (await listChats(api, m1!)).find((c) => c.id === chatId);
    expectChatShape(chat);
    expect(chat).toMatchObject({ chat_type: 'group', group_name: 'Team', description: 'Work things', is_public: true, my_role: 'member' });
    expect(chat.participants).toHaveLength(3);
    expect((await listChats(api, owner!)).find((c) => c.id === chatId).my_role).toBe('owner');
  });

  it('GET /api/chats/{id} answers the same object as the list', async () => {
    const [a, b] = await registerMany(api, 2);
    const chatId = await openDirect(api, a!, b!.username);
    await send(api, b!, chatId, 'one');
    const fromList = (await listChats(api, a!)).find((c) => c.id === chatId);
    const one = await chatOf(api, a!, chatId);
    expect(one).toEqual(fromList);
    expect(Object.keys(one)).toEqual(expect.arrayContaining(CHAT_KEYS));
  });

  it('most recent activity first: sending to an older chat moves it to the top', async () => {
    const [me, x, y, z] = await registerMany(api, 4);
    const cx = await openDirect(api, me!, x!.username);
    server.clock.advance(1000);
    const cy = await openDirect(api, me!, y!.username);
    server.clock.advance(1000);
    const cz = await createGroup(api, z!, [me!]);
    server.clock.advance(1000);
    expect((await listChats(api, me!)).map((c) => c.id)).toEqual([cz, cy, cx]);

    await send(api, x!, cx, 'bump');
    server.clock.advance(1000);
    expect((await listChats(api, me!)).map((c) => c.id)).toEqual([cx, cz, cy]);

    await send(api, me!, cy, 'me too');
    server.clock.advance(1000);
    expect((await listChats(api, me!)).map((c) => c.id)).toEqual([cy, cx, cz]);
    // The other side's list is ordered by the same activity.
    expect((await listChats(api, y!)).map((c) => c.id)).toEqual([cy]);
  });

  it('unread_count: others’ messages after my read pointer; reading and sending move my pointer', async () => {
    const [me, other] = await registerMany(api, 2);
    const chatId = await openDirect(api, me!, other!.username);
    const unread = async () => (await chatOf(api, me!, chatId)).unread_count;
    expect(await unread()).toBe(0);

    const m1 = await send(api, other!, chatId, 'one');
    await send(api, other!, chatId, 'two');
    const m3 = await send(api, other!, chatId, 'three');
    expect(await unread()).toBe(3);
    expect((await chatOf(api, other!, chatId)).unread_count).toBe(0);

    // Reading one message reads everything before it too.
    expect((await api.post(`/api/chats/${chatId}/messages/${m1.id}/read`, { token: me!.token })).status).toBe(200);
    expect(await unread()).toBe(2);

    const all = await api.post(`/api/chats/${chatId}/messages/read-all`, { token: me!.token });
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ status: 'success', updated_count: 2 });
    expect(await unread()).toBe(0);
    // Reading an older message again never moves the pointer back.
    await api.post(`/api/chats/${chatId}/messages/${m1.id}/read`, { token: me!.token });
    expect(await unread()).toBe(0);

    await send(api, other!, chatId, 'four');
    await send(api, other!, chatId, 'five');
    expect(await unread()).toBe(2);
    // Sending reads everything before my message.
    await send(api, me!, chatId, 'my answer');
    expect(await unread()).toBe(0);
    expect((await chatOf(api, other!, chatId)).unread_count).toBe(1);
    expect(m3.seq).toBe(3);
  });

  it('unread counts are per member in a group', async () => {
    const [owner, m1, m2] = await registerMany(api, 3);
    const chatId = await createGroup(api, owner!, [m1!, m2!]);
    for (const who of [owner!, m1!, m2!]) {
      await api.post(`/api/chats/${chatId}/messages/read-all`, { token: who.token });
    }
    await send(api, m1!, chatId, 'a');
    await send(api, m1!, chatId, 'b');
    await send(api, m2!, chatId, 'c');
    const counts = async () => Promise.all([owner!, m1!, m2!].map(async (who) => (await chatOf(api, who, chatId)).unread_count));
    expect(await counts()).toEqual([3, 1, 0]);
    await api.post(`/api/chats/${chatId}/messages/read-all`, { token: owner!.token });
    expect(await counts()).toEqual([0, 1, 0]);
  });

  it('a deleted last message shows as deleted, without its content', async () => {
    const [a, b] = await registerMany(api, 2);
    const chatId = await openDirect(api, a!, b!.username);
    const m = await send(api, a!, chatId, 'oops, secret');
    expect((await api.delete(`/api/chats/${chatId}/messages/${m.id}`, { token: a!.token })).status).toBe(200);
    const last = (await chatOf(api, b!, chatId)).last_message;
    expect(last.id).toBe(m.id);
    expect(last.content).toBeNull();
    expect(JSON.stringify(last)).not.toContain('secret');
  });

  it('only my chats: a chat between two others never shows', async () => {
    const [me, x, y] = await registerMany(api, 3);
    await openDirect(api, x!, y!.username);
    await createGroup(api, x!, [y!]);
    expect(await listChats(api, me!)).toEqual([]);
  });
});

describe('GET /api/chats/{id}', () => {
  it('403 not_a_member for a non-member, without leaking the chat', async () => {
    const [a, b, c] = await registerMany(api, 3);
    const chatId = await createGroup(api, a!, [b!], { name: 'Secret Society', description: 'hush' });
    const res = await api.get(`/api/chats/${chatId}`, { token: c!.token });
    expectProblem(res, 403, 'not_a_member');
    expect(res.text).not.toContain('Secret Society');
    expect(res.text).not.toContain(a!.user.id);
  });

  it('404 chat_not_found for an unknown id', async () => {
    const me = await register(api);
    expectProblem(await api.get(`/api/chats/${UNKNOWN_ID}`, { token: me.token }), 404, 'chat_not_found');
    expectProblem(await api.get('/api/chats/not-a-chat', { token: me.token }), 404, 'chat_not_found');
  });

  it('401 without a token', async () => {
    expectProblem(await api.get(`/api/chats/${UNKNOWN_ID}`), 401, 'not_authenticated');
  });
});

describe('unread_count of new members', () => {
  it('a member added later has not "missed" the history: only what came after joining is unread', async () => {
    const [owner, early, late] = await registerMany(api, 3);
    const chatId = await createGroup(api, owner!, [early!]);
    for (const text of ['one', 'two', 'three']) {
      await send(api, owner!, chatId, text);
    }
    const added = await api.post(`/api/chats/${chatId}/participants`, { token: owner!.token, body: { emails: [late!.email] } });
    expect(added.body.added).toBe(1);
    // Only the "added" system message is new to them; the early member still has everything unread.
    expect((await chatOf(api, late!, chatId)).unread_count).toBe(1);
    expect((await chatOf(api, early!, chatId)).unread_count).toBe(5);
  });
});
