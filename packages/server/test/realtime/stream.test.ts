import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Api, type Registered } from '../support/client.js';
import { expectProblem } from '../support/expect.js';
import { startServer, type TestServer } from '../support/server.js';
import { direct, expectCursorOrder, group, live, newestEventId, ok, say, SseClient, until, users } from './helpers.js';

let server: TestServer;
let api: Api;

beforeAll(async () => {
  server = await startServer();
  api = new Api(server.url);
});
afterAll(() => server.close());

const streams: SseClient[] = [];
afterEach(() => {
  for (const s of streams.splice(0)) {
    s.close();
  }
});

async function sse(path: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const client = await SseClient.open(server.url + path, headers);
  streams.push(client);
  return client;
}

/** GET /api/sync, bounded so a poll that never answers fails the test instead of hanging it. */
async function poll(who: Registered, query: string): Promise<any> {
  const res = await fetch(`${server.url}/api/sync${query}`, { headers: { authorization: `Bearer ${who.token}` }, signal: AbortSignal.timeout(20_000) });
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
}

describe('SSE GET /api/events', () => {
  it('401 without a token, or with a bad one', async () => {
    const res = await fetch(`${server.url}/api/events`);
    expectProblem({ status: res.status, headers: res.headers, body: await res.json(), text: '' }, 401, 'not_authenticated');
    const bad = await fetch(`${server.url}/api/events?token=nope`);
    expect(bad.status).toBe(401);
  });

  it('?token=: a text/event-stream of id/event/data events, live', async () => {
    const [me, a] = await users(api, 2);
    const chat = await direct(api, a, me);
    const stream = await sse(`/api/events?token=${encodeURIComponent(me.token)}`);
    expect(stream.status).toBe(200);
    expect(stream.contentType).toMatch(/^text\/event-stream/);
    const sent = await say(api, a, chat, 'over sse');
    const e = await stream.next((x) => x.event === 'new_message' && x.json.message.id === sent.id);
    expect(e.id).toBe(e.json.cursor);
    expect(e.json).toMatchObject({ type: 'new_message', chat_id: chat, seq: sent.seq, message: { content: 'over sse' } });
  });

  it('Authorization: Bearer works too; only my chats arrive', async () => {
    const [me, a, b] = (await users(api, 3));
    const mine = await direct(api, a, me);
    const theirs = await direct(api, a, b);
    const stream = await sse('/api/events', { authorization: `Bearer ${me.token}` });
    expect(stream.status).toBe(200);
    await say(api, a, theirs, 'not for me');
    const sent = await say(api, a, mine, 'for me');
    await stream.next((x) => x.json?.message?.id === sent.id);
    expect(stream.events.filter((x) => x.json?.chat_id === theirs)).toEqual([]);
    expectCursorOrder(stream.events.filter((x) => x.json).map((x) => x.json));
  });

  it('ephemeral events (typing) come without an id', async () => {
    const [me, a] = (await users(api, 2));
    const chat = await group(api, a, [me]);
    const stream = await sse(`/api/events?token=${encodeURIComponent(me.token)}`);
    const typer = await live(server, a);
    typer.send({ type: 'typing', chat_id: chat, is_typing: true });
    const e = await stream.next((x) => x.event === 'typing');
    expect(e.id).toBeUndefined();
    expect(e.json).toMatchObject({ type: 'typing', chat_id: chat, user_id: a.user.id, is_typing: true });
    typer.close();
  });

  it('logout ends the stream', async () => {
    const [me] = (await users(api, 1));
    const stream = await sse(`/api/events?token=${encodeURIComponent(me.token)}`);
    expect(stream.status).toBe(200);
    ok(await api.post('/api/auth/logout', { token: me.token }));
    await until(() => stream.done, 'the SSE stream to end');
  });
});

describe('long poll GET /api/sync', () => {
  it('401 without a token', async () => {
    expectProblem(await api.get('/api/sync'), 401, 'not_authenticated');
  });

  it('without a cursor: no events, the current cursor to start from', async () => {
    const [me] = (await users(api, 1));
    // Other tests' batched receipts may still be landing: the cursor is the newest at poll time.
    const before = await newestEventId(server);
    const body = await poll(me, '');
    const after = await newestEventId(server);
    expect(body.events).toEqual([]);
    expect(body.reset).toBe(false);
    expect(Number(body.cursor)).toBeGreaterThanOrEqual(before);
    expect(Number(body.cursor)).toBeLessThanOrEqual(after);
  });

  it('returns at once what exists after the cursor, in order, with a cursor to continue from', async () => {
    const [me, a] = (await users(api, 2));
    const chat = await direct(api, a, me);
    const start = (await poll(me, '')).cursor;
    const sent = [await say(api, a, chat, 'one'), await say(api, a, chat, 'two')];
    const body = await poll(me, `?cursor=${start}&timeout=20`);
    expect(body.reset).toBe(false);
    const messages = body.events.filter((e: any) => e.type === 'new_message').map((e: any) => e.message.id);
    expect(messages).toEqual(sent.map((m) => m.id));
    expectCursorOrder(body.events);
    expect(body.cursor).toBe(body.events.at(-1).cursor);
    // continuing from it: nothing new → empty after the timeout, same cursor
    const next = await poll(me, `?cursor=${body.cursor}&timeout=1`);
    expect(next).toEqual({ events: [], cursor: body.cursor, reset: false });
  });

  it('waits, and returns when an event for me arrives', async () => {
    const [me, a, b] = (await users(api, 3));
    const chat = await direct(api, a, me);
    const elsewhere = await direct(api, a, b);
    const start = (await poll(me, '')).cursor;
    const pending = poll(me, `?cursor=${start}&timeout=20`);
    await new Promise((r) => setTimeout(r, 200));
    await say(api, a, elsewhere, 'not mine: keeps waiting');
    await new Promise((r) => setTimeout(r, 100));
    const sent = await say(api, a, chat, 'wake up');
    const body = await pending;
    expect(body.events.map((e: any) => e.message?.id)).toContain(sent.id);
    expect(body.events.filter((e: any) => e.chat_id === elsewhere)).toEqual([]);
  });

  it('returns empty after the timeout', async () => {
    const [me] = (await users(api, 1));
    const start = (await poll(me, '')).cursor;
    expect(await poll(me, `?cursor=${start}&timeout=1`)).toEqual({ events: [], cursor: start, reset: false });
  });

  it('limit pages the events', async () => {
    const [me, a] = (await users(api, 2));
    const chat = await direct(api, a, me);
    const start = (await poll(me, '')).cursor;
    for (let i = 0; i < 5; i += 1) {
      await say(api, a, chat, `m${i}`);
    }
    const first = await poll(me, `?cursor=${start}&limit=2`);
    expect(first.events).toHaveLength(2);
    const second = await poll(me, `?cursor=${first.cursor}&limit=2`);
    expect(Number(second.events[0].cursor)).toBeGreaterThan(Number(first.cursor));
  });
});
