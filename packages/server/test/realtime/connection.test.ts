import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, register } from '../support/client.js';
import { startServer, type TestServer } from '../support/server.js';
import { closeAll, direct, group, ioSync, live, ok, openIo, openWs, say, users } from './helpers.js';

let server: TestServer;
let api: Api;

beforeAll(async () => {
  server = await startServer();
  api = new Api(server.url);
});
afterAll(() => server.close());

describe('WebSocket endpoints and ways to pass the token', () => {
  it.each(['/ws', '/ws/global'])('%s with ?token= carries every chat of mine', async (path) => {
    const [me, a, b] = await users(api, 3);
    const chatA = await direct(api, a, me);
    const chatB = await group(api, b, [me]);
    const client = await live(server, me, path);
    await say(api, a, chatA, 'from a');
    await say(api, b, chatB, 'from b');
    const first = await client.next('new_message', (f) => f.chat_id === chatA);
    const second = await client.next('new_message', (f) => f.chat_id === chatB);
    expect(first.message.content).toBe('from a');
    expect(second.message.content).toBe('from b');
    await closeAll(client);
  });

  it('/ws/{chat_id} carries that chat only', async () => {
    const [me, a] = await users(api, 2);
    const one = await direct(api, a, me);
    const other = await group(api, a, [me]);
    const client = await live(server, me, `/ws/${one}`);
    const from = client.mark();
    await say(api, a, other, 'elsewhere');
    await say(api, a, one, 'here');
    await client.next('new_message', (f) => f.chat_id === one, { from });
    await client.sync();
    const chats = new Set(client.frames.slice(from).filter((f) => f.chat_id !== undefined).map((f) => f.chat_id));
    expect([...chats]).toEqual([one]);
    await closeAll(client);
  });

  it('Authorization: Bearer works', async () => {
    const [me, a] = await users(api, 2);
    const chat = await direct(api, a, me);
    const client = await openWs(server, '/ws', { headers: { authorization: `Bearer ${me.token}` } });
    expect(await client.opened).toBe(true);
    await client.sync();
    await say(api, a, chat, 'hi');
    await client.next('new_message', (f) => f.chat_id === chat);
    await closeAll(client);
  });

  it('X-Session-ID works', async () => {
    const [me, a] = await users(api, 2);
    const chat = await direct(api, a, me);
    const client = await openWs(server, '/ws', { headers: { 'x-session-id': me.sessionToken } });
    await client.sync();
    await say(api, a, chat, 'hi');
    await client.next('new_message', (f) => f.chat_id === chat);
    await closeAll(client);
  });

  it("subprotocols ['majlis', 'bearer.<token>']: the server selects 'majlis'", async () => {
    const [me, a] = await users(api, 2);
    const chat = await direct(api, a, me);
    const client = await openWs(server, '/ws', { protocols: ['majlis', `bearer.${me.token}`] });
    expect(await client.opened).toBe(true);
    expect(client.ws.protocol).toBe('majlis');
    await client.sync();
    await say(api, a, chat, 'hi');
    await client.next('new_message', (f) => f.chat_id === chat);
    await closeAll(client);
  });

  it('an unknown path under /ws is refused', async () => {
    const me = await register(api);
    const client = await openWs(server, '/ws/a/b', { token: me.token });
    expect(client.refusedStatus).toBe(404);
  });
});

describe('4401: no, bad, expired or revoked token', () => {
  it('no token → 4401', async () => {
    const client = await openWs(server, '/ws');
    expect((await client.waitClose()).code).toBe(4401);
  });

  it.each([
    ['garbage', 'not-a-token'],
    ['a tampered JWT', null],
  ])('%s → 4401', async (_name, token) => {
    const me = await register(api);
    const bad = token ?? `${me.token.slice(0, -4)}AAAA`;
    for (const opts of [{ token: bad }, { headers: { authorization: `Bearer ${bad}` } }, { protocols: ['majlis', `bearer.${bad}`] }]) {
      const client = await openWs(server, '/ws', opts);
      expect((await client.waitClose()).code).toBe(4401);
    }
  });

  it('an expired token → 4401 (the server clock moved past ACCESS_TOKEN_TTL)', async () => {
    const me = await register(api);
    server.clock.advance(server.config.ACCESS_TOKEN_TTL + 1_000);
    try {
      const client = await openWs(server, '/ws', { token: me.token });
      expect((await client.waitClose()).code).toBe(4401);
    } finally {
      server.clock.advance(-(server.config.ACCESS_TOKEN_TTL + 1_000));
    }
  });

  it('a logged-out session → 4401, on /ws and /ws/{chat_id}', async () => {
    const [me, a] = await users(api, 2);
    const chat = await direct(api, a, me);
    ok(await api.post('/api/auth/logout', { token: me.token }));
    for (const path of ['/ws', `/ws/${chat}`]) {
      const client = await openWs(server, path, { token: me.token });
      expect((await client.waitClose()).code).toBe(4401);
    }
  });

  it('logout via REST closes my open sockets with 4401, others stay', async () => {
    const [me, a] = await users(api, 2);
    const chat = await direct(api, a, me);
    const mine = await live(server, me);
    const mineChat = await live(server, me, `/ws/${chat}`);
    const theirs = await live(server, a);
    ok(await api.post('/api/auth/logout', { token: me.token }));
    expect((await mine.waitClose()).code).toBe(4401);
    expect((await mineChat.waitClose()).code).toBe(4401);
    await theirs.sync();
    expect(theirs.closed).toBeNull();
    await closeAll(theirs);
  });

  it('logout-all closes the sockets of every session of mine', async () => {
    const me = await register(api);
    const login = ok(await api.post('/api/auth/login', { body: { identifier: me.email, password: me.password } }));
    const second = { ...me, token: login.body.access_token as string };
    const one = await live(server, me);
    const two = await live(server, second);
    ok(await api.post('/api/auth/logout-all', { token: me.token }));
    expect((await one.waitClose()).code).toBe(4401);
    expect((await two.waitClose()).code).toBe(4401);
  });

  it('change-password closes the other sessions’ sockets, not this session’s', async () => {
    const me = await register(api);
    const login = ok(await api.post('/api/auth/login', { body: { identifier: me.email, password: me.password } }));
    const other = await live(server, { ...me, token: login.body.access_token as string });
    const mine = await live(server, me);
    ok(await api.post('/api/auth/change-password', { token: me.token, body: { old_password: me.password, new_password: 'another fine password' } }));
    expect((await other.waitClose()).code).toBe(4401);
    await mine.sync();
    expect(mine.closed).toBeNull();
    await closeAll(mine);
  });
});

describe('4403: /ws/{chat_id} of a chat I am not in', () => {
  it('a chat of others → 4403', async () => {
    const [me, a, b] = await users(api, 3);
    const theirs = await direct(api, a, b);
    const client = await openWs(server, `/ws/${theirs}`, { token: me.token });
    expect((await client.waitClose()).code).toBe(4403);
  });

  it('an unknown chat id → 4403', async () => {
    const me = await register(api);
    const client = await openWs(server, '/ws/01936d3c-7b1a-7c3e-9d52-3f6a1b2c4d5e', { token: me.token });
    expect((await client.waitClose()).code).toBe(4403);
  });

  it('being removed from the chat closes /ws/{chat_id} with 4403', async () => {
    const [owner, me] = await users(api, 2);
    const chat = await group(api, owner, [me]);
    const client = await live(server, me, `/ws/${chat}`);
    ok(await api.delete(`/api/chats/${chat}/participants/${me.user.id}`, { token: owner.token }));
    const removed = await client.next('chat_removed');
    expect(removed.chat_id).toBe(chat);
    expect((await client.waitClose()).code).toBe(4403);
  });
});

describe('API_KEY_REQUIRED=true', () => {
  let keyed: TestServer;
  let key: string;
  beforeAll(async () => {
    keyed = await startServer({ API_KEY_REQUIRED: 'true' });
    key = (await keyed.services.apiKeys.create('ws', null)).key;
  });
  afterAll(() => keyed.close());

  it('an upgrade without X-API-Key is refused; with it (header or ?api_key=) it opens', async () => {
    const kapi = new Api(keyed.url);
    const res = ok(await kapi.post('/api/auth/register', { headers: { 'x-api-key': key }, body: { username: 'keyed_user', email: 'keyed@example.com', password: 'correct horse battery' } }), 201);
    const token = res.body.access_token as string;

    const without = await openWs(keyed, '/ws', { token });
    expect(without.refusedStatus).toBe(401);
    const wrong = await openWs(keyed, '/ws', { token, headers: { 'x-api-key': 'wrong' } });
    expect(wrong.refusedStatus).toBe(401);

    const header = await openWs(keyed, '/ws', { token, headers: { 'x-api-key': key } });
    expect(await header.opened).toBe(true);
    await header.sync();
    const query = await openWs(keyed, '/ws', { token, query: { api_key: key } });
    await query.sync();
    await closeAll(header, query);
  });

  it('Socket.io needs auth.api_key (or the X-API-Key header)', async () => {
    const kapi = new Api(keyed.url);
    const res = ok(await kapi.post('/api/auth/register', { headers: { 'x-api-key': key }, body: { username: 'keyed_io', email: 'keyed_io@example.com', password: 'correct horse battery' } }), 201);
    const token = res.body.access_token as string;
    const without = await openIo(keyed, { auth: { token } });
    expect(without.connectError).not.toBeNull();
    without.close();
    const withKey = await openIo(keyed, { auth: { token, api_key: key } });
    expect(withKey.connectError).toBeNull();
    await ioSync(withKey);
    withKey.close();
    const withHeader = await openIo(keyed, { auth: { token }, extraHeaders: { 'x-api-key': key }, transports: ['polling'] });
    expect(withHeader.connectError).toBeNull();
    withHeader.close();
  });
});
