import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Api, register, type Registered } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';
import { login } from '../users/helpers.js';
import {
  direct,
  expectStatus,
  group,
  messageRows,
  newestEventId,
  page,
  png,
  recordEvents,
  send,
  sendFile,
  storedEventsAfter,
  storedFiles,
  UNKNOWN_ID,
  uploadForm,
} from './helpers.js';

let server: TestServer;
let api: Api;

beforeAll(async () => {
  server = await startServer();
  api = new Api(server.url);
});
afterAll(() => server.close());

let recorder: ReturnType<typeof recordEvents>;
let since: number;
beforeEach(async () => {
  since = await newestEventId(server);
  recorder = recordEvents(server);
});
afterEach(() => recorder.stop());

/** The events of this test: what was published, checked against what was stored (same ids, same order, same payloads). */
async function published(): Promise<typeof recorder.events> {
  const stored = await storedEventsAfter(server, since);
  expect(stored.map((e) => [e.id, e.type, e.chat_id, e.payload])).toEqual(recorder.events.map((e) => [e.id, e.type, e.chat_id, e.payload]));
  const ids = stored.map((e) => e.id);
  expect([...ids].sort((x, y) => x - y)).toEqual(ids);
  expect(new Set(ids).size).toBe(ids.length);
  return recorder.events;
}

/** Registers two users and opens their direct chat, then forgets the events that made. */
async function pair(): Promise<{ a: Registered; b: Registered; chat: string }> {
  const a = await register(api);
  const b = await register(api);
  const chat = await direct(api, a, b);
  since = await newestEventId(server);
  recorder.events.length = 0;
  return { a, b, chat };
}

describe('events of message actions (transactional outbox)', () => {
  it('a send publishes exactly one new_message with the seq and the message, and stores it', async () => {
    const { a, chat } = await pair();
    const m = await send(api, a, chat, 'hello events');
    const events = await published();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'new_message', chat_id: chat, user_id: null, created_at: server.clock.now() });
    expect(events[0]?.payload).toEqual({ chat_id: chat, seq: 1, message: m });
  });

  it('a file send publishes new_message with the file', async () => {
    const { a, chat } = await pair();
    const m = await sendFile(api, a, chat, await png(20, 20), 'e.png');
    const events = await published();
    expect(events.map((e) => e.type)).toEqual(['new_message']);
    expect(events[0]?.payload.message).toMatchObject({ file: { id: m.file.id } });
  });

  it('event ids increase in commit order across several sends', async () => {
    const { a, b, chat } = await pair();
    for (let i = 0; i < 5; i += 1) {
      await send(api, i % 2 ? a : b, chat, `n${i}`);
    }
    const events = await published();
    expect(events.map((e) => e.payload.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('an edit publishes message_edited with the new message and the chat seq', async () => {
    const { a, chat } = await pair();
    const m = await send(api, a, chat, 'before');
    await send(api, a, chat, 'another');
    recorder.events.length = 0;
    since = await newestEventId(server);
    const res = await api.put(`/api/chats/${chat}/messages/${m.id}`, { token: a.token, body: { content: 'after' } });
    expectStatus(res, 200);
    const events = await published();
    expect(events.map((e) => e.type)).toEqual(['message_edited']);
    expect(events[0]?.payload).toEqual({ chat_id: chat, seq: 2, message: res.body });
  });

  it('an edit to the same text publishes nothing', async () => {
    const { a, chat } = await pair();
    const m = await send(api, a, chat, 'same');
    recorder.events.length = 0;
    since = await newestEventId(server);
    expectStatus(await api.put(`/api/chats/${chat}/messages/${m.id}`, { token: a.token, body: { content: 'same' } }), 200);
    expect(await published()).toEqual([]);
  });

  it('a delete publishes message_deleted once (a second delete publishes nothing)', async () => {
    const { a, chat } = await pair();
    const m = await send(api, a, chat, 'doomed');
    recorder.events.length = 0;
    since = await newestEventId(server);
    expectStatus(await api.delete(`/api/chats/${chat}/messages/${m.id}`, { token: a.token }), 200);
    expectStatus(await api.delete(`/api/chats/${chat}/messages/${m.id}`, { token: a.token }), 200);
    const events = await published();
    expect(events.map((e) => e.type)).toEqual(['message_deleted']);
    expect(events[0]?.payload).toMatchObject({ chat_id: chat, seq: 1, message_id: m.id });
    expect(JSON.stringify(events[0]?.payload)).not.toContain('doomed');
  });

  it('hiding for me publishes message_deleted addressed to me alone, once', async () => {
    const { a, b, chat } = await pair();
    const m = await send(api, a, chat, 'hide me');
    recorder.events.length = 0;
    since = await newestEventId(server);
    expectStatus(await api.delete(`/api/chats/${chat}/messages/${m.id}?for=me`, { token: b.token }), 200);
    expectStatus(await api.delete(`/api/chats/${chat}/messages/${m.id}?for=me`, { token: b.token }), 200);
    const events = await published();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'message_deleted', chat_id: chat, user_id: b.user.id });
    expect(events[0]?.payload).toMatchObject({ chat_id: chat, message_id: m.id, for: 'me' });
  });

  it('a reaction publishes message_reaction with the reactions after the toggle', async () => {
    const { a, b, chat } = await pair();
    const m = await send(api, a, chat, 'react to me');
    recorder.events.length = 0;
    since = await newestEventId(server);
    expectStatus(await api.post(`/api/chats/${chat}/messages/${m.id}/react`, { token: b.token, body: { emoji: '🎉' } }), 200);
    expectStatus(await api.post(`/api/chats/${chat}/messages/${m.id}/react`, { token: b.token, body: { emoji: '🎉' } }), 200);
    const events = await published();
    expect(events.map((e) => e.type)).toEqual(['message_reaction', 'message_reaction']);
    expect(events[0]?.payload).toMatchObject({ chat_id: chat, seq: 1, message_id: m.id, reactions: { '🎉': [b.user.id] }, user_id: b.user.id });
    expect(events[1]?.payload).toMatchObject({ chat_id: chat, message_id: m.id, reactions: {}, user_id: b.user.id });
  });

  it('fetching publishes message_status delivered once; reading publishes message_status read once', async () => {
    const { a, b, chat } = await pair();
    await send(api, a, chat, 'one');
    const two = await send(api, a, chat, 'two');
    recorder.events.length = 0;
    since = await newestEventId(server);
    await page(api, b, chat);
    await page(api, b, chat);
    expectStatus(await api.post(`/api/chats/${chat}/messages/${two.id}/read`, { token: b.token }), 200);
    expectStatus(await api.post(`/api/chats/${chat}/messages/${two.id}/read`, { token: b.token }), 200);
    expectStatus(await api.post(`/api/chats/${chat}/messages/read-all`, { token: b.token }), 200);
    const events = await published();
    expect(events.map((e) => [e.type, e.payload.status])).toEqual([
      ['message_status', 'delivered'],
      ['message_status', 'read'],
    ]);
    expect(events[0]?.payload).toMatchObject({ chat_id: chat, message_id: two.id, user_id: b.user.id, seq: 2 });
    expect(events[1]?.payload).toMatchObject({ chat_id: chat, message_id: two.id, user_id: b.user.id, seq: 2 });
  });

  it('the sender fetching their own messages publishes nothing', async () => {
    const { a, chat } = await pair();
    await send(api, a, chat, 'mine');
    recorder.events.length = 0;
    since = await newestEventId(server);
    await page(api, a, chat);
    await page(api, a, chat);
    // Sending already read (and so delivered) everything up to the message for its sender.
    expect(await published()).toEqual([]);
  });

  it('a forward publishes one new_message per target chat', async () => {
    const { a, b, chat } = await pair();
    const c = await register(api);
    const ac = await direct(api, a, c);
    const g = await group(api, a, [b, c]);
    const m = await send(api, b, chat, 'pass it on');
    recorder.events.length = 0;
    since = await newestEventId(server);
    expectStatus(await api.post(`/api/chats/${chat}/messages/${m.id}/forward`, { token: a.token, body: { target_chat_ids: [ac, g] } }), 200);
    const events = await published();
    expect(events.map((e) => e.type)).toEqual(['new_message', 'new_message']);
    expect(events.map((e) => e.chat_id).sort()).toEqual([ac, g].sort());
  });

  it('failed requests (400, 403, 404, 413, 415) publish and store nothing', async () => {
    const { a, b, chat } = await pair();
    const outsider = await register(api);
    const m = await send(api, a, chat, 'target');
    const g = await group(api, a, [b]);
    const strangers = await direct(api, outsider, await register(api));
    recorder.events.length = 0;
    since = await newestEventId(server);
    const replies = await Promise.all([
      api.post(`/api/chats/${chat}/messages`, { token: a.token, body: { content: '' } }),
      api.post(`/api/chats/${chat}/messages`, { token: a.token, body: { content: 'x', message_type: 'system' } }),
      api.post(`/api/chats/${chat}/messages`, { token: a.token, body: { content: 'x', reply_to: UNKNOWN_ID } }),
      api.post(`/api/chats/${chat}/messages`, { token: outsider.token, body: { content: 'x' } }),
      api.post(`/api/chats/${UNKNOWN_ID}/messages`, { token: a.token, body: { content: 'x' } }),
      api.post(`/api/chats/${chat}/messages`, { body: { content: 'x' } }),
      api.post(`/api/chats/${chat}/messages`, { token: a.token, body: { content: 'x'.repeat(1_100_000) } }),
      api.put(`/api/chats/${chat}/messages/${m.id}`, { token: b.token, body: { content: 'hijack' } }),
      api.put(`/api/chats/${chat}/messages/${UNKNOWN_ID}`, { token: a.token, body: { content: 'x' } }),
      api.delete(`/api/chats/${chat}/messages/${m.id}`, { token: b.token }),
      api.delete(`/api/chats/${chat}/messages/${m.id}`, { token: outsider.token }),
      api.post(`/api/chats/${chat}/messages/${m.id}/react`, { token: outsider.token, body: { emoji: '👍' } }),
      api.post(`/api/chats/${chat}/messages/${m.id}/react`, { token: b.token, body: { emoji: ' ' } }),
      api.post(`/api/chats/${chat}/messages/${m.id}/forward`, { token: a.token, body: { target_chat_ids: [UNKNOWN_ID] } }),
      api.post(`/api/chats/${chat}/messages/${m.id}/forward`, { token: b.token, body: { target_chat_ids: [g, strangers] } }),
      api.post(`/api/chats/${chat}/messages/${m.id}/read`, { token: outsider.token }),
      api.post(`/api/chats/${chat}/messages/read-all`, { token: outsider.token }),
      api.get(`/api/chats/${chat}/messages`, { token: outsider.token }),
      api.post(`/api/chats/${chat}/messages/file`, { token: a.token, body: { content: 'x' } }),
      api.post(`/api/chats/${chat}/messages/file`, { token: outsider.token, form: uploadForm(Buffer.from('x'), 'x.txt') }),
    ]);
    for (const r of replies) {
      expect(r.status, r.text).toBeGreaterThanOrEqual(400);
      expect(r.status, r.text).toBeLessThan(500);
    }
    expect(await storedEventsAfter(server, since)).toEqual([]);
    expect(recorder.events).toEqual([]);
  });

  it('20 racing sends with one client_id publish and store one new_message', async () => {
    const { a, chat } = await pair();
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => api.post(`/api/chats/${chat}/messages`, { token: a.token, body: { content: 'dup', client_id: 'ev-dup' } })),
    );
    expect(new Set(replies.map((r) => r.body.id)).size).toBe(1);
    const events = await published();
    expect(events.map((e) => [e.type, e.payload.seq])).toEqual([['new_message', 1]]);
  });
});

describe('a change that fails inside its transaction is rolled back with its events', () => {
  const pg = () => server.storage.dialect === 'postgres';

  beforeAll(async () => {
    const db = server.storage.db;
    if (pg()) {
      await sql`create function majlis_test_boom() returns trigger language plpgsql as $$
        begin if new.content = 'boom' then raise exception 'boom'; end if; return new; end $$`.execute(db);
      await sql`create trigger majlis_test_boom_insert before insert on messages for each row execute function majlis_test_boom()`.execute(db);
      await sql`create trigger majlis_test_boom_update before update on messages for each row execute function majlis_test_boom()`.execute(db);
    } else {
      await sql`create trigger majlis_test_boom_insert before insert on messages when new.content = 'boom' begin select raise(abort, 'boom'); end`.execute(db);
      await sql`create trigger majlis_test_boom_update before update on messages when new.content = 'boom' begin select raise(abort, 'boom'); end`.execute(db);
    }
  });
  afterAll(async () => {
    const db = server.storage.db;
    if (pg()) {
      await sql`drop trigger majlis_test_boom_insert on messages`.execute(db);
      await sql`drop trigger majlis_test_boom_update on messages`.execute(db);
      await sql`drop function majlis_test_boom()`.execute(db);
    } else {
      await sql`drop trigger majlis_test_boom_insert`.execute(db);
      await sql`drop trigger majlis_test_boom_update`.execute(db);
    }
  });

  it('a send whose insert fails publishes nothing, stores nothing and takes no seq', async () => {
    const { a, b, chat } = await pair();
    await send(api, a, chat, 'fine');
    recorder.events.length = 0;
    since = await newestEventId(server);
    const res = await api.post(`/api/chats/${chat}/messages`, { token: a.token, body: { content: 'boom', client_id: 'boom-1' } });
    expectProblem(res, 500, 'internal_error');
    expect(res.text).not.toContain('boom"');
    expect(await published()).toEqual([]);
    expect(await messageRows(server, chat)).toBe(1);
    // The chat's seq was not consumed, nor its activity time moved by the failed send.
    const next = await send(api, b, chat, 'next');
    expect(next.seq).toBe(2);
    // The client_id is still free: a retry with good content goes through.
    expect((await send(api, a, chat, { content: 'fixed', client_id: 'boom-1' })).seq).toBe(3);
  });

  it('a file send whose insert fails leaves no file on disk', async () => {
    const { a, chat } = await pair();
    const before = storedFiles(server);
    const res = await api.post(`/api/chats/${chat}/messages/file`, {
      token: a.token,
      form: uploadForm(await png(40, 40), 'b.png', 'image/png', { content: 'boom' }),
    });
    expectProblem(res, 500, 'internal_error');
    expect(await published()).toEqual([]);
    expect(storedFiles(server)).toEqual(before);
    const files = await server.storage.db.selectFrom('files').select('id').where('chat_id', '=', chat).execute();
    expect(files).toEqual([]);
  });

  it('an edit whose update fails publishes nothing and keeps no history entry', async () => {
    const { a, chat } = await pair();
    const m = await send(api, a, chat, 'stable');
    recorder.events.length = 0;
    since = await newestEventId(server);
    expectProblem(await api.put(`/api/chats/${chat}/messages/${m.id}`, { token: a.token, body: { content: 'boom' } }), 500, 'internal_error');
    expect(await published()).toEqual([]);
    const history = await api.get(`/api/chats/${chat}/messages/${m.id}/history`, { token: a.token });
    expect(history.body).toEqual([]);
    const now = await api.get(`/api/chats/${chat}/messages/${m.id}`, { token: a.token });
    expect(now.body).toMatchObject({ content: 'stable', edited_at: null });
  });

  it('a forward whose insert fails in one target forwards into none, and leaves no copied file', async () => {
    const { a, b, chat } = await pair();
    const c = await register(api);
    const first = await direct(api, a, c);
    const second = await group(api, a, [b, c]);
    const m = await sendFile(api, b, chat, await png(30, 30), 'kaboom.png', { content: 'kaboom' });
    const filesBefore = storedFiles(server);
    const db = server.storage.db;
    if (pg()) {
      await sql`create function majlis_test_kaboom() returns trigger language plpgsql as $$
        begin if new.content = 'kaboom' and new.chat_id = TG_ARGV[0] then raise exception 'kaboom'; end if; return new; end $$`.execute(db);
      await sql`create trigger majlis_test_kaboom before insert on messages for each row execute function majlis_test_kaboom(${sql.lit(second)})`.execute(db);
    } else {
      await sql`create trigger majlis_test_kaboom before insert on messages when new.content = 'kaboom' and new.chat_id = ${sql.lit(second)} begin select raise(abort, 'kaboom'); end`.execute(
        db,
      );
    }
    recorder.events.length = 0;
    since = await newestEventId(server);
    try {
      const res = await api.post(`/api/chats/${chat}/messages/${m.id}/forward`, { token: a.token, body: { target_chat_ids: [first, second] } });
      expectProblem(res, 500, 'internal_error');
    } finally {
      if (pg()) {
        await sql`drop trigger majlis_test_kaboom on messages`.execute(db);
        await sql`drop function majlis_test_kaboom()`.execute(db);
      } else {
        await sql`drop trigger majlis_test_kaboom`.execute(db);
      }
    }
    expect(await published()).toEqual([]);
    expect(await messageRows(server, first)).toBe(0);
    expect(await messageRows(server, second)).toBe(1); // its "created" line only
    expect(storedFiles(server)).toEqual(filesBefore);
    // Without the trigger the same forward goes through, into both.
    const ok = await api.post(`/api/chats/${chat}/messages/${m.id}/forward`, { token: a.token, body: { target_chat_ids: [first, second] } });
    expectStatus(ok, 200);
    expect(ok.body.messages.map((x: { chat_id: string }) => x.chat_id)).toEqual([first, second]);
    expect(ok.body.messages.map((x: { seq: number }) => x.seq)).toEqual([1, 2]);
  });
});

describe('event retention', () => {
  it('prune() removes events older than EVENT_RETENTION and keeps newer ones', async () => {
    const { a, chat } = await pair();
    await send(api, a, chat, 'old news');
    const oldIds = (await storedEventsAfter(server, since)).map((e) => e.id);
    expect(oldIds).toHaveLength(1);
    const retention = server.config.EVENT_RETENTION;
    server.clock.advance(retention + 1);
    const freshSince = await newestEventId(server);
    // A month later the access token has expired too: log in again.
    const relogged = { ...a, token: (await login(api, a.email, a.password)).token };
    await send(api, relogged, chat, 'fresh news');
    const pruned = await server.services.events.prune(server.clock.now() - retention);
    expect(pruned).toBeGreaterThanOrEqual(1);
    const remaining = await server.storage.db.selectFrom('events').select('id').where('id', 'in', oldIds).execute();
    expect(remaining).toEqual([]);
    const fresh = await storedEventsAfter(server, freshSince);
    expect(fresh.map((e) => e.type)).toEqual(['new_message']);
    expect((await server.services.events.oldestId()) ?? 0).toBeGreaterThan(oldIds[0] as number);
    // Pruning again removes nothing more; the messages themselves are untouched.
    expect(await server.services.events.prune(server.clock.now() - retention)).toBe(0);
    expect(await messageRows(server, chat)).toBe(2);
  });
});
