import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Api, type Registered } from '../support/client.js';
import { startServer, type TestServer } from '../support/server.js';
import {
  clientId,
  closeAll,
  direct,
  durable,
  emitAck,
  expectCursorOrder,
  group,
  history,
  type IoClient,
  ioSync,
  live,
  ok,
  openIo,
  say,
  users,
  type WsClient,
} from './helpers.js';

let server: TestServer;
let api: Api;

beforeAll(async () => {
  server = await startServer();
  api = new Api(server.url);
});
afterAll(() => server.close());

const open: Array<IoClient | WsClient> = [];
afterEach(async () => {
  for (const c of open.splice(0)) {
    if (c instanceof Object && 'socket' in c) {
      c.close();
    } else {
      await closeAll(c);
    }
  }
});

async function connect(user: Registered, how: 'auth' | 'header' | 'query' = 'auth', transports?: Array<'websocket' | 'polling'>): Promise<IoClient> {
  const opts =
    how === 'auth' ? { auth: { token: user.token } } : how === 'header' ? { extraHeaders: { access_token: user.token } } : { query: { token: user.token } };
  const client = await openIo(server, { ...opts, ...(transports ? { transports } : {}) });
  expect(client.connectError, String(client.connectError)).toBeNull();
  open.push(client);
  await ioSync(client);
  return client;
}

describe('connecting', () => {
  it.each(['auth', 'header', 'query'] as const)('with the token in %s', async (how) => {
    const [me, a] = (await users(api, 2));
    const chat = await direct(api, a, me);
    const client = await connect(me, how, how === 'header' ? ['polling', 'websocket'] : undefined);
    const sent = await say(api, a, chat, `via ${how}`);
    const f = await client.next('new_message', (x) => x.message.id === sent.id);
    expect(f.chat_id).toBe(chat);
  });

  it('a bad or missing token → connect_error', async () => {
    for (const opts of [{}, { auth: { token: 'garbage' } }, { extraHeaders: { access_token: 'garbage' } }, { query: { token: 'garbage' } }]) {
      const client = await openIo(server, { ...opts, transports: ['polling'] });
      expect(client.connectError).not.toBeNull();
      expect((client.connectError as Error & { data?: { code?: number } }).data?.code).toBe(4401);
      client.close();
    }
  });

  it('an expired token → connect_error', async () => {
    const [me] = (await users(api, 1));
    server.clock.advance(server.config.ACCESS_TOKEN_TTL + 1_000);
    try {
      const client = await openIo(server, { auth: { token: me.token } });
      expect(client.connectError).not.toBeNull();
      client.close();
    } finally {
      server.clock.advance(-(server.config.ACCESS_TOKEN_TTL + 1_000));
    }
  });

  it('logout disconnects the socket', async () => {
    const [me] = (await users(api, 1));
    const client = await connect(me);
    ok(await api.post('/api/auth/logout', { token: me.token }));
    const closed = await client.waitClose();
    expect(closed.reason).toBe('io server disconnect');
    expect(client.ofType('close')[0]).toMatchObject({ code: 4401 });
  });
});

describe('the same events under the same names', () => {
  it('a Socket.io client and a WebSocket client get the same payloads', async () => {
    const [me, a] = (await users(api, 2));
    const chat = await group(api, a, [me]);
    const io = await connect(me);
    const ws = await live(server, me);
    open.push(ws);
    const [fi, fw] = [io.mark(), ws.mark()];
    const sent = await say(api, a, chat, 'same everywhere');
    ok(await api.put(`/api/chats/${chat}/messages/${sent.id}`, { token: a.token, body: { content: 'edited' } }));
    ok(await api.post(`/api/chats/${chat}/messages/${sent.id}/react`, { token: a.token, body: { emoji: '❤️' } }));
    ok(await api.delete(`/api/chats/${chat}/messages/${sent.id}`, { token: a.token }));
    for (const type of ['new_message', 'message_edited', 'message_reaction', 'message_deleted']) {
      const viaIo = await io.next(type, (f) => f.chat_id === chat, { from: fi });
      const viaWs = await ws.next(type, (f) => f.chat_id === chat, { from: fw });
      const { event: _event, ...payload } = viaIo;
      expect(payload).toEqual(viaWs);
    }
    expectCursorOrder(durable(io.frames));
  });

  it('membership events: chat_created, member_added, chat_removed', async () => {
    const [owner, me] = (await users(api, 2));
    const io = await connect(me);
    const chat = await group(api, owner, [me]);
    await io.next('chat_created', (f) => f.chat_id === chat);
    ok(await api.delete(`/api/chats/${chat}/participants/${me.user.id}`, { token: owner.token }));
    expect((await io.next('chat_removed', (f) => f.chat_id === chat)).reason).toBe('removed');
  });
});

describe('emitting frames', () => {
  it("'send' → 'ack' and a persisted message; the same client_id twice is one message", async () => {
    const [me, a] = (await users(api, 2));
    const chat = await direct(api, a, me);
    const io = await connect(me);
    const id = clientId();
    expect(await emitAck(io, 'send', { chat_id: chat, content: 'from socket.io', client_id: id })).toEqual({ ok: true });
    const ack = await io.next('ack', (f) => f.client_id === id);
    expect(ack).toMatchObject({ replayed: false, message: { content: 'from socket.io', chat_id: chat } });
    io.socket.emit('send', { chat_id: chat, content: 'from socket.io', client_id: id });
    const again = await io.next('ack', (f) => f.client_id === id && f.replayed === true);
    expect(again.message.id).toBe(ack.message.id);
    expect((await history(api, a, chat)).filter((m) => m.client_id === id)).toHaveLength(1);
  });

  it("'send' to a chat I am not in → 'error' with the client_id", async () => {
    const [me, x, y] = (await users(api, 3));
    const theirs = await direct(api, x, y);
    const io = await connect(me);
    const id = clientId();
    io.socket.emit('send', { chat_id: theirs, content: 'no', client_id: id });
    expect((await io.next('error', (f) => f.client_id === id)).code).toBe('not_a_member');
  });

  it("'typing' and 'read' reach the other member", async () => {
    const [me, a] = (await users(api, 2));
    const chat = await direct(api, a, me);
    const io = await connect(me);
    const other = await live(server, a);
    open.push(other);
    io.socket.emit('typing', { chat_id: chat, is_typing: true });
    expect(await other.next('typing')).toMatchObject({ chat_id: chat, user_id: me.user.id, is_typing: true });
    const sent = await say(api, a, chat, 'read me');
    io.socket.emit('read', { chat_id: chat, message_id: sent.id });
    await other.next('message_status', (f) => f.status === 'read' && f.message_id === sent.id);
  });

  it("'resume' replays what I missed", async () => {
    const [me, a] = (await users(api, 2));
    const chat = await direct(api, a, me);
    const cursor = await server.services.events.newestId();
    const missed = [await say(api, a, chat, 'm1'), await say(api, a, chat, 'm2')];
    const io = await openIo(server, { auth: { token: me.token } });
    open.push(io);
    io.socket.emit('resume', { cursor: String(cursor) });
    for (const m of missed) {
      await io.next('new_message', (f) => f.message.id === m.id);
    }
    await ioSync(io);
    expectCursorOrder(durable(io.frames));
    expect(io.ofType('new_message')).toHaveLength(2);
  });

  it('auth.cursor resumes on connect, and a frame sent at once does not disturb the replay', async () => {
    const [me, a] = (await users(api, 2));
    const chat = await direct(api, a, me);
    const cursor = await server.services.events.newestId();
    const missed: string[] = [];
    for (let i = 0; i < 30; i += 1) {
      missed.push((await say(api, a, chat, `m${i}`)).id);
    }
    const io = await openIo(server, { auth: { token: me.token, cursor: String(cursor) } });
    open.push(io);
    io.socket.emit('ping', {});
    const during = [await say(api, a, chat, 'during 1'), await say(api, a, chat, 'during 2')];
    for (const m of [...missed, ...during.map((d) => d.id)]) {
      await io.next('new_message', (f) => f.message.id === m);
    }
    await ioSync(io);
    expectCursorOrder(durable(io.frames));
    expect(io.ofType('new_message')).toHaveLength(32);
  });
});

describe('the node seed’s join and chat message', () => {
  it("'join' with a user id opens the direct chat; 'chat message' {receiver, content} arrives as {sender, receiver, content}", async () => {
    const [alice, bob] = (await users(api, 2));
    const ia = await connect(alice);
    const ib = await connect(bob);
    const joined = await emitAck(ia, 'join', bob.user.id);
    expect(joined.ok).toBe(true);
    const chatId = joined.chat_id as string;
    // the chat exists, for both
    await ib.next('chat_created', (f) => f.chat_id === chatId);
    expect(await direct(api, alice, bob)).toBe(chatId);
    // joining again by the chat id, or from the other side, is the same chat
    expect((await emitAck(ib, 'join', alice.user.id)).chat_id).toBe(chatId);
    expect((await emitAck(ia, 'join', chatId)).chat_id).toBe(chatId);

    const result = await emitAck(ia, 'chat message', { receiver: bob.user.id, content: 'hello bob' });
    expect(result.ok).toBe(true);
    const got = await ib.next('chat message', (f) => f.content === 'hello bob');
    expect(got).toMatchObject({ sender: alice.user.id, receiver: bob.user.id, content: 'hello bob', chat_id: chatId });
    // persisted once
    expect((await history(api, bob, chatId)).filter((m) => m.content === 'hello bob')).toHaveLength(1);
    // the sender gets the ack and new_message, not a 'chat message' of their own
    await ia.next('ack', (f) => f.message.content === 'hello bob');
    await ioSync(ia);
    expect(ia.ofType('chat message')).toEqual([]);
  });

  it("'chat message' with a receiver never talked to opens the chat on the fly", async () => {
    const [alice, bob] = (await users(api, 2));
    const ia = await connect(alice);
    const ib = await connect(bob);
    ia.socket.emit('chat message', { receiver: bob.user.id, content: 'first contact' });
    const got = await ib.next('chat message', (f) => f.content === 'first contact');
    expect(got.sender).toBe(alice.user.id);
  });

  it("'chat message' with chat_id works in a group", async () => {
    const [owner, m1] = (await users(api, 2));
    const chat = await group(api, owner, [m1]);
    const io = await connect(owner);
    const other = await connect(m1);
    io.socket.emit('chat message', { chat_id: chat, content: 'to the group' });
    const got = await other.next('chat message', (f) => f.content === 'to the group');
    expect(got).toMatchObject({ sender: owner.user.id, chat_id: chat });
  });

  it("'join' of something that is neither my chat nor a user → {ok:false}", async () => {
    const [me] = (await users(api, 1));
    const io = await connect(me);
    expect(await emitAck(io, 'join', '01936d3c-7b1a-7c3e-9d52-3f6a1b2c4d5e')).toEqual({ ok: false });
    expect(await emitAck(io, 'join', me.user.id)).toEqual({ ok: false });
  });
});
