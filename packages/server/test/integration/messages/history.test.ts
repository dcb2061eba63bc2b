import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, register, type Registered } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';
import { direct, expectStatus, getMessage, page, send, UNKNOWN_ID } from './helpers.js';

let server: TestServer;
let api: Api;

let a: Registered;
let b: Registered;
/** A direct chat holding messages "m1" .. "m25" (seq 1..25). */
let chat: string;
let ids: string[];

beforeAll(async () => {
  server = await startServer();
  api = new Api(server.url);
  a = await register(api);
  b = await register(api);
  chat = await direct(api, a, b);
  ids = [];
  for (let i = 1; i <= 25; i += 1) {
    server.clock.advance(1000);
    ids.push((await send(api, i % 2 ? a : b, chat, `m${i}`)).id);
  }
});
afterAll(() => server.close());

const contents = (body: { messages: Array<{ content: string }> }) => body.messages.map((m) => m.content);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `m${from + i}`);

describe('GET /api/chats/{id}/messages (skip/limit, as in the FastAPI seed)', () => {
  it('defaults to the newest 50, oldest → newest, with total, has_more, skip and limit', async () => {
    const body = await page(api, a, chat);
    expect(Object.keys(body).sort()).toEqual(['has_more', 'limit', 'messages', 'skip', 'total']);
    expect(body).toMatchObject({ total: 25, has_more: false, skip: 0, limit: 50 });
    expect(contents(body)).toEqual(range(1, 25));
    const times = body.messages.map((m: { created_at: string }) => Date.parse(m.created_at));
    expect([...times].sort((x, y) => x - y)).toEqual(times);
  });

  it('skip=0 is the newest page; skip moves back in time', async () => {
    const first = await page(api, a, chat, 'limit=10&skip=0');
    expect(first).toMatchObject({ total: 25, has_more: true, skip: 0, limit: 10 });
    expect(contents(first)).toEqual(range(16, 25));
    const second = await page(api, a, chat, 'limit=10&skip=10');
    expect(second).toMatchObject({ has_more: true, skip: 10, limit: 10 });
    expect(contents(second)).toEqual(range(6, 15));
    const third = await page(api, a, chat, 'limit=10&skip=20');
    expect(third).toMatchObject({ has_more: false, skip: 20, limit: 10 });
    expect(contents(third)).toEqual(range(1, 5));
    const beyond = await page(api, a, chat, 'limit=10&skip=100');
    expect(beyond).toMatchObject({ messages: [], total: 25, has_more: false, skip: 100, limit: 10 });
  });

  it('has_more is false exactly when the page reaches the oldest message', async () => {
    expect((await page(api, a, chat, 'limit=25')).has_more).toBe(false);
    expect((await page(api, a, chat, 'limit=24')).has_more).toBe(true);
    expect((await page(api, a, chat, 'limit=5&skip=20')).has_more).toBe(false);
    expect((await page(api, a, chat, 'limit=5&skip=19')).has_more).toBe(true);
  });

  it('limit bounds: 1 and 200 are fine; 0, 201, negatives and non-numbers are 400', async () => {
    expect(contents(await page(api, a, chat, 'limit=1'))).toEqual(['m25']);
    expect((await page(api, a, chat, 'limit=200')).messages).toHaveLength(25);
    for (const q of [
      'limit=0',
      'limit=201',
      'limit=-1',
      'limit=abc',
      'limit=1.5',
      'skip=-1',
      'before_seq=0',
      'after_seq=-1',
      // Past 64-bit integers: a 400, never a database error.
      'skip=99999999999999999999',
      'before_seq=99999999999999999999',
      'after_seq=99999999999999999999',
    ]) {
      expectProblem(await api.get(`/api/chats/${chat}/messages?${q}`, { token: a.token }), 400, 'validation_failed');
    }
  });

  it('an empty chat answers an empty page', async () => {
    const c = await register(api);
    const empty = await direct(api, a, c);
    expect(await page(api, a, empty)).toEqual({ messages: [], total: 0, has_more: false, skip: 0, limit: 50 });
    expect(await page(api, a, empty, 'before_seq=5')).toMatchObject({ messages: [], has_more: false });
    expect(await page(api, a, empty, 'after_seq=0')).toMatchObject({ messages: [], has_more: false });
  });
});

describe('cursors', () => {
  it('before_seq: the messages just before that seq, oldest → newest', async () => {
    const body = await page(api, a, chat, 'before_seq=11&limit=5');
    expect(contents(body)).toEqual(range(6, 10));
    expect(body.has_more).toBe(true);
    const oldest = await page(api, a, chat, 'before_seq=4&limit=5');
    expect(contents(oldest)).toEqual(range(1, 3));
    expect(oldest.has_more).toBe(false);
    const exact = await page(api, a, chat, 'before_seq=6&limit=5');
    expect(contents(exact)).toEqual(range(1, 5));
    expect(exact.has_more).toBe(false);
    expect(await page(api, a, chat, 'before_seq=1')).toMatchObject({ messages: [], has_more: false });
  });

  it('walking back with before_seq visits every message once', async () => {
    const seen: string[] = [];
    let cursor = 26;
    for (let guard = 0; guard < 10; guard += 1) {
      const body = await page(api, a, chat, `before_seq=${cursor}&limit=7`);
      seen.unshift(...contents(body));
      if (!body.has_more) {
        break;
      }
      cursor = body.messages[0].seq;
    }
    expect(seen).toEqual(range(1, 25));
  });

  it('after_seq: the messages just after that seq, oldest → newest', async () => {
    const body = await page(api, a, chat, 'after_seq=10&limit=5');
    expect(contents(body)).toEqual(range(11, 15));
    expect(body.has_more).toBe(true);
    const tail = await page(api, a, chat, 'after_seq=20&limit=10');
    expect(contents(tail)).toEqual(range(21, 25));
    expect(tail.has_more).toBe(false);
    expect(contents(await page(api, a, chat, 'after_seq=0&limit=3'))).toEqual(range(1, 3));
    expect(await page(api, a, chat, 'after_seq=25')).toMatchObject({ messages: [], has_more: false });
    expect(await page(api, a, chat, 'after_seq=1000')).toMatchObject({ messages: [], has_more: false });
  });

  it('walking forward with after_seq visits every message once', async () => {
    const seen: string[] = [];
    let cursor = 0;
    for (let guard = 0; guard < 10; guard += 1) {
      const body = await page(api, a, chat, `after_seq=${cursor}&limit=7`);
      seen.push(...contents(body));
      if (!body.has_more) {
        break;
      }
      cursor = body.messages.at(-1).seq;
    }
    expect(seen).toEqual(range(1, 25));
  });
});

describe('GET /api/chats/{id}/messages/{message_id}', () => {
  it('answers one message, as the list shows it', async () => {
    const one = await getMessage(api, b, chat, ids[4] as string);
    expect(one).toMatchObject({ id: ids[4], content: 'm5', seq: 5, chat_id: chat, sender_id: a.user.id });
    const listed = (await page(api, b, chat)).messages.find((m: { id: string }) => m.id === ids[4]);
    expect(one).toEqual(listed);
  });

  it('404 message_not_found for a message of another chat, and for no message', async () => {
    const c = await register(api);
    const other = await direct(api, a, c);
    const foreign = await send(api, a, other, 'over there');
    const res = await api.get(`/api/chats/${chat}/messages/${foreign.id}`, { token: a.token });
    expectProblem(res, 404, 'message_not_found');
    expect(res.text).not.toContain('over there');
    expectProblem(await api.get(`/api/chats/${chat}/messages/${UNKNOWN_ID}`, { token: a.token }), 404, 'message_not_found');
    // The right chat finds it.
    expect((await getMessage(api, c, other, foreign.id)).content).toBe('over there');
  });

  it('a message of a chat I am not in: 403 through its chat, 404 through mine', async () => {
    const c = await register(api);
    const d = await register(api);
    const theirs = await direct(api, c, d);
    const hidden = await send(api, c, theirs, 'not for a');
    expectProblem(await api.get(`/api/chats/${theirs}/messages/${hidden.id}`, { token: a.token }), 403, 'not_a_member');
    expectProblem(await api.get(`/api/chats/${chat}/messages/${hidden.id}`, { token: a.token }), 404, 'message_not_found');
  });

  it('404 chat_not_found for an unknown chat', async () => {
    expectProblem(await api.get(`/api/chats/${UNKNOWN_ID}/messages`, { token: a.token }), 404, 'chat_not_found');
    expectProblem(await api.get(`/api/chats/${UNKNOWN_ID}/messages/${ids[0]}`, { token: a.token }), 404, 'chat_not_found');
  });

  it('the chats list shows the newest message as last_message', async () => {
    const res = await api.get('/api/chats', { token: a.token });
    expectStatus(res, 200);
    const mine = res.body.find((c: { id: string }) => c.id === chat);
    expect(mine.last_message).toMatchObject({ id: ids[24], content: 'm25', sender_id: a.user.id });
  });
});
