import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../support/client.js';
import { startServer, type TestServer } from '../support/server.js';
import { closeAll, direct, group, ioSync, live, openIo, say, SseClient, until, users } from './helpers.js';

let server: TestServer;
let api: Api;
/** Warnings and errors the server logged (JSON lines). */
const logged: string[] = [];

beforeAll(async () => {
  server = await startServer({}, { logger: { level: 'warn', stream: { write: (line: string) => logged.push(line) } } });
  api = new Api(server.url);
});
afterAll(() => server.close());

describe('frame size and rate', () => {
  it('a frame over 64 KiB closes the connection with 1009', async () => {
    const [me] = (await users(api, 1));
    const client = await live(server, me);
    client.send(JSON.stringify({ type: 'send', chat_id: 'x', client_id: 'big', content: 'x'.repeat(70 * 1024) }));
    expect((await client.waitClose()).code).toBe(1009);
    // and the server is still there
    const again = await live(server, me);
    await closeAll(again);
  });

  it('invalid UTF-8 in a text frame closes with 1007; the server lives on', async () => {
    const [me] = (await users(api, 1));
    const client = await live(server, me);
    client.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect((await client.waitClose()).code).toBe(1007);
    const again = await live(server, me);
    await closeAll(again);
  });

  it('a frame just under 64 KiB is fine', async () => {
    const [me] = (await users(api, 1));
    const client = await live(server, me);
    client.send(JSON.stringify({ type: 'ping', padding: 'x'.repeat(60 * 1024) }));
    await client.next('pong');
    await closeAll(client);
  });

  it('flooding frames gets error rate_limited, and then close 1008', async () => {
    const [me] = (await users(api, 1));
    const client = await live(server, me);
    const from = client.mark();
    for (let i = 0; i < 150; i += 1) {
      client.send({ type: 'ping' });
    }
    const closed = await client.waitClose();
    expect(closed.code).toBe(1008);
    const limited = client.all((f) => f.type === 'error' && f.code === 'rate_limited', from);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]?.status).toBe(429);
    expect(client.ofType('pong', from).length).toBeGreaterThan(0);
  });

  it('a client that bursts now and then but backs off is forgiven: it is never closed', async () => {
    const [me] = (await users(api, 1));
    const client = await live(server, me);
    for (let round = 0; round < 4; round += 1) {
      const from = client.mark();
      for (let i = 0; i < 43; i += 1) {
        client.send({ type: 'ping' });
      }
      // A few over the burst are refused each round (3 strikes a round: 12 in all without forgiveness).
      await client.count((f) => f.type === 'error' && f.code === 'rate_limited', 1, { from });
      // Let the bucket refill (40 frames at 20 a second).
      await new Promise((resolve) => setTimeout(resolve, 2_300));
    }
    client.send({ type: 'ping' });
    await client.next('pong');
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    await closeAll(client);
  });

  it('a client within the rate is never limited', async () => {
    const [me] = (await users(api, 1));
    const client = await live(server, me);
    for (let i = 0; i < 30; i += 1) {
      client.send({ type: 'ping' });
    }
    await client.count((f) => f.type === 'pong', 31);
    expect(client.all((f) => f.type === 'error')).toEqual([]);
    await closeAll(client);
  });
});

describe('slow consumers', () => {
  it('a socket that stops reading is closed with 4008; a normal one keeps receiving everything', async () => {
    const [sender, slowUser, normalUser] = (await users(api, 3));
    const chat = await group(api, sender, [slowUser, normalUser]);
    const slow = await live(server, slowUser);
    const normal = await live(server, normalUser);
    const from = normal.mark();
    const logMark = logged.length;
    const tripped = () => logged.slice(logMark).some((line) => line.includes('closing slow consumer'));

    // Stop reading: the kernel buffers fill, then the server's queue for this socket grows.
    (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const big = '中'.repeat(10_000); // 30 KB of UTF-8 per message
    const sent: string[] = [];
    // One at a time: concurrent senders are another matter (see events.test.ts, "concurrent senders").
    while (!tripped() && sent.length < 2_000) {
      sent.push((await say(api, sender, chat, big)).id);
    }
    expect(tripped(), `no slow-consumer close after ${sent.length} messages`).toBe(true);
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    expect((await slow.waitClose(10_000)).code).toBe(4008);

    await normal.count((f) => f.type === 'new_message', sent.length, { from, timeout: 30_000 });
    const got = new Set(normal.all((f) => f.type === 'new_message', from).map((f) => f.message.id));
    expect(sent.every((id) => got.has(id))).toBe(true);
    expect(normal.closed).toBeNull();
    await until(() => server.hub.connectionsOf(slowUser.user.id).size === 0, 'the slow socket to be dropped');
    await closeAll(normal);
  }, 120_000);

  it('an SSE client that stops reading is cut off too, and later events do not break the server', async () => {
    const [sender, slowUser] = await users(api, 2);
    const chat = await direct(api, sender, slowUser);
    const abort = new AbortController();
    // a stream nobody reads: fetch stops pulling from the socket once its buffer is full
    const res = await fetch(`${server.url}/api/events?token=${encodeURIComponent(slowUser.token)}`, { signal: abort.signal });
    expect(res.status).toBe(200);
    const logMark = logged.length;
    const tripped = () => logged.slice(logMark).some((line) => line.includes('closing slow consumer'));
    const big = '中'.repeat(10_000);
    let n = 0;
    while (!tripped() && n < 2_000) {
      await say(api, sender, chat, big);
      n += 1;
    }
    expect(tripped(), `no slow-consumer close after ${n} messages`).toBe(true);
    // events keep coming for that user after the cut: durable ones, and ephemeral ones (presence)
    for (let i = 0; i < 5; i += 1) {
      await say(api, sender, chat, `after the cut ${i}`);
    }
    const senderSocket = await live(server, sender);
    senderSocket.send({ type: 'typing', chat_id: chat, is_typing: true });
    await senderSocket.sync();
    await until(() => server.hub.connectionsOf(slowUser.user.id).size === 0, 'the SSE connection to be dropped', 10_000);
    abort.abort();
    // the server is fine
    const again = await live(server, slowUser);
    await closeAll(again, senderSocket);
  }, 120_000);
});

describe('shutdown', () => {
  it('app.close() closes open sockets with 1001 (and Socket.io and SSE clients are let go)', async () => {
    const own = await startServer();
    const ownApi = new Api(own.url);
    try {
      const [me, a] = (await users(ownApi, 2));
      const chat = await direct(ownApi, a, me);
      const ws = await live(own, me);
      const wsChat = await live(own, a, `/ws/${chat}`);
      const io = await openIo(own, { auth: { token: me.token } });
      await ioSync(io);
      const sse = await SseClient.open(`${own.url}/api/events?token=${encodeURIComponent(me.token)}`);
      expect(sse.status).toBe(200);
      await say(ownApi, a, chat, 'last words');
      await ws.next('new_message');

      await own.app.close();
      expect((await ws.waitClose()).code).toBe(1001);
      expect((await wsChat.waitClose()).code).toBe(1001);
      await io.waitClose();
      expect(io.ofType('close')[0]).toMatchObject({ code: 1001 });
      await until(() => sse.done, 'the SSE stream to end');
    } finally {
      await own.close().catch(() => {});
    }
  });
});
