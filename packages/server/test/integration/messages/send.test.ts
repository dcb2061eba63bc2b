import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, register } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';
import { direct, expectStatus, getMessage, group, MESSAGE_FIELDS, messageRows, page, send, UNKNOWN_ID } from './helpers.js';

let server: TestServer;
let api: Api;

beforeAll(async () => {
  server = await startServer();
  api = new Api(server.url);
});
afterAll(() => server.close());

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

describe('POST /api/chats/{id}/messages', () => {
  it('sends a JSON message and answers 201 with every contract field', async () => {
    const sara = await register(api, { full_name: 'Sara Karimi' });
    const omid = await register(api);
    const chat = await direct(api, sara, omid);
    const res = await api.post(`/api/chats/${chat}/messages`, { token: sara.token, body: { content: 'Hello Omid' } });
    expectStatus(res, 201);
    const m = res.body;
    expect(Object.keys(m).sort()).toEqual([...MESSAGE_FIELDS].sort());
    expect(m).toEqual({
      id: expect.any(String),
      chat_id: chat,
      seq: 1,
      sender_id: sara.user.id,
      sender_name: 'Sara Karimi',
      message_type: 'text',
      content: 'Hello Omid',
      file_url: null,
      file: null,
      reply_to: null,
      reply_to_message: null,
      forwarded_from: null,
      edited_at: null,
      is_deleted: false,
      status: 'sent',
      read_by: [],
      reactions: {},
      client_id: null,
      created_at: expect.stringMatching(ISO),
    });
    expect(m.id).not.toMatch(/^\d+$/);
    expect(new Date(m.created_at).getTime()).toBe(server.clock.now());
  });

  it('sender_name is the username when there is no full name', async () => {
    const plain = await register(api, { full_name: '' });
    const other = await register(api);
    const chat = await direct(api, plain, other);
    const m = await send(api, plain, chat, 'hi');
    expect(m.sender_name).toBe(plain.username);
  });

  it("accepts the FastAPI seed's query parameters with no body and no content type", async () => {
    const a = await register(api, { full_name: 'Ali' });
    const b = await register(api);
    const chat = await direct(api, a, b);
    const first = await send(api, a, chat, 'the original');
    const q = new URLSearchParams({ content: 'سلام', message_type: 'text', reply_to: first.id });
    const res = await api.post(`/api/chats/${chat}/messages?${q}`, { token: a.token });
    expectStatus(res, 201);
    expect(res.body).toMatchObject({
      content: 'سلام',
      message_type: 'text',
      seq: 2,
      reply_to: first.id,
      reply_to_message: { id: first.id, sender_id: a.user.id, sender_name: 'Ali', content: 'the original', message_type: 'text' },
    });
  });

  it('a JSON body wins over query parameters', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const res = await api.post(`/api/chats/${chat}/messages?content=from-query`, { token: a.token, body: { content: 'from-body' } });
    expectStatus(res, 201);
    expect(res.body.content).toBe('from-body');
  });

  it('replies carry reply_to and a preview of the message replied to', async () => {
    const a = await register(api, { full_name: 'Asker' });
    const b = await register(api, { full_name: 'Answerer' });
    const chat = await direct(api, a, b);
    const question = await send(api, a, chat, 'Where?');
    const answer = await send(api, b, chat, { content: 'Here.', reply_to: question.id });
    expect(answer.reply_to).toBe(question.id);
    expect(answer.reply_to_message).toMatchObject({ id: question.id, sender_id: a.user.id, sender_name: 'Asker', content: 'Where?', message_type: 'text' });
    // And the same when read back.
    expect((await getMessage(api, a, chat, answer.id)).reply_to_message).toEqual(answer.reply_to_message);
  });

  it('a reply to a message that was later deleted shows no content', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const question = await send(api, a, chat, 'secret question');
    const answer = await send(api, b, chat, { content: 'answer', reply_to: question.id });
    expectStatus(await api.delete(`/api/chats/${chat}/messages/${question.id}`, { token: a.token }), 200);
    const seen = await getMessage(api, b, chat, answer.id);
    expect(seen.reply_to_message.content).toBeNull();
    expect(JSON.stringify(seen)).not.toContain('secret question');
  });

  it('Arabic, Persian, emoji and mixed-direction text round-trip exactly', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const texts = [
      'مرحبا بالعالم! كيف حالك؟',
      'سلام، می‌خواهم کتاب بخرم ۱۲۳',
      'وَعَلَيْكُمُ السَّلَامُ',
      'ســــلام',
      '👋🏽 👨‍👩‍👧‍👦 🇮🇷 ❤️',
      'Hello سلام 123 ١٢٣ ۱۲۳ \u200f!',
      '  leading and trailing spaces  ',
      'line one\nline two\ttab',
    ];
    for (const text of texts) {
      const sent = await send(api, a, chat, text);
      expect(sent.content).toBe(text);
      expect((await getMessage(api, b, chat, sent.id)).content).toBe(text);
    }
    const viaQuery = await api.post(`/api/chats/${chat}/messages?content=${encodeURIComponent(texts[1] as string)}`, { token: a.token });
    expect(viaQuery.body.content).toBe(texts[1]);
    const all = await page(api, b, chat, 'limit=50');
    expect(all.messages.map((m: { content: string }) => m.content)).toEqual([...texts, texts[1]]);
  });

  it('accepts a client_id and echoes it', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const m = await send(api, a, chat, { content: 'x', client_id: 'c-1' });
    expect(m.client_id).toBe('c-1');
  });

  it('400 content_required when there is no content at all', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const none = await api.post(`/api/chats/${chat}/messages`, { token: a.token });
    expectProblem(none, 400, 'content_required');
    expect(none.body.errors).toEqual([{ field: 'content', message: expect.any(String) }]);
    expectProblem(await api.post(`/api/chats/${chat}/messages?message_type=text`, { token: a.token }), 400, 'content_required');
    expect(await messageRows(server, chat)).toBe(0);
  });

  it('400 for empty or blank content, in the body or the query', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    for (const res of [
      await api.post(`/api/chats/${chat}/messages`, { token: a.token, body: { content: '' } }),
      await api.post(`/api/chats/${chat}/messages`, { token: a.token, body: { content: '   \n\t ' } }),
      await api.post(`/api/chats/${chat}/messages?content=`, { token: a.token }),
      await api.post(`/api/chats/${chat}/messages?content=%20%20`, { token: a.token }),
    ]) {
      expect(res.status, res.text).toBe(400);
      expect(['content_required', 'validation_failed']).toContain(res.body.code);
    }
    expect(await messageRows(server, chat)).toBe(0);
  });

  it('400 for content of the wrong type or too long', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    expectProblem(await api.post(`/api/chats/${chat}/messages`, { token: a.token, body: { content: 42 } }), 400, 'validation_failed');
    expectProblem(await api.post(`/api/chats/${chat}/messages`, { token: a.token, body: { content: 'x'.repeat(10_001) } }), 400, 'validation_failed');
    expect((await api.post(`/api/chats/${chat}/messages`, { token: a.token, body: { content: 'x'.repeat(10_000) } })).status).toBe(201);
  });

  it('400 for message_type "system" (and unknown types), in the body or the query', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    expectProblem(await api.post(`/api/chats/${chat}/messages`, { token: a.token, body: { content: 'x', message_type: 'system' } }), 400, 'validation_failed');
    expectProblem(await api.post(`/api/chats/${chat}/messages?content=x&message_type=system`, { token: a.token }), 400, 'validation_failed');
    expectProblem(await api.post(`/api/chats/${chat}/messages`, { token: a.token, body: { content: 'x', message_type: 'sticker' } }), 400, 'validation_failed');
    expect(await messageRows(server, chat)).toBe(0);
  });

  it('400 invalid_reply for a reply_to in another chat, or one that does not exist', async () => {
    const a = await register(api);
    const b = await register(api);
    const c = await register(api);
    const chat = await direct(api, a, b);
    const elsewhere = await direct(api, a, c);
    const foreign = await send(api, a, elsewhere, 'in the other chat');
    const res = await api.post(`/api/chats/${chat}/messages`, { token: a.token, body: { content: 'reply', reply_to: foreign.id } });
    expectProblem(res, 400, 'invalid_reply');
    expect(res.body.errors).toEqual([{ field: 'reply_to', message: expect.any(String) }]);
    // No leak of the other chat's message in the error.
    expect(res.text).not.toContain('in the other chat');
    expectProblem(await api.post(`/api/chats/${chat}/messages?content=x&reply_to=${foreign.id}`, { token: a.token }), 400, 'invalid_reply');
    expectProblem(await api.post(`/api/chats/${chat}/messages`, { token: a.token, body: { content: 'reply', reply_to: UNKNOWN_ID } }), 400, 'invalid_reply');
    expect(await messageRows(server, chat)).toBe(0);
  });

  it('reply_to null is the same as no reply', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const m = await send(api, a, chat, { content: 'x', reply_to: null });
    expect(m.reply_to).toBeNull();
  });

  it('403 not_a_member for a chat I am not in; 404 chat_not_found for no chat', async () => {
    const a = await register(api);
    const b = await register(api);
    const outsider = await register(api);
    const chat = await direct(api, a, b);
    const res = await api.post(`/api/chats/${chat}/messages`, { token: outsider.token, body: { content: 'let me in' } });
    expectProblem(res, 403, 'not_a_member');
    expectProblem(await api.post(`/api/chats/${UNKNOWN_ID}/messages`, { token: a.token, body: { content: 'x' } }), 404, 'chat_not_found');
    expect(await messageRows(server, chat)).toBe(0);
  });

  it('403 not_a_member after leaving a group; the others still send', async () => {
    const owner = await register(api);
    const leaver = await register(api);
    const chat = await group(api, owner, [leaver]);
    await send(api, leaver, chat, 'bye');
    expectStatus(await api.post(`/api/chats/${chat}/leave`, { token: leaver.token }), 200);
    expectProblem(await api.post(`/api/chats/${chat}/messages`, { token: leaver.token, body: { content: 'still here?' } }), 403, 'not_a_member');
    await send(api, owner, chat, 'carry on');
  });

  it('403 blocked in a direct chat after either side blocks; sending works again after unblocking', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    await send(api, a, chat, 'before the block');
    expectStatus(await api.post(`/api/users/${b.user.id}/block`, { token: a.token }), 200);
    // The blocker cannot send...
    expectProblem(await api.post(`/api/chats/${chat}/messages`, { token: a.token, body: { content: 'x' } }), 403, 'blocked');
    // ...nor the blocked one.
    expectProblem(await api.post(`/api/chats/${chat}/messages?content=x`, { token: b.token }), 403, 'blocked');
    expect(await messageRows(server, chat)).toBe(1);
    expectStatus(await api.delete(`/api/users/${b.user.id}/block`, { token: a.token }), 200);
    await send(api, b, chat, 'after the block');
  });

  it('a block between two members does not stop messages in a group they share', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await group(api, a, [b]);
    expectStatus(await api.post(`/api/users/${b.user.id}/block`, { token: a.token }), 200);
    await send(api, b, chat, 'groups are shared spaces');
  });

  it('the JSON body may not be malformed', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const res = await api.post(`/api/chats/${chat}/messages`, { token: a.token, raw: '{"content": ', headers: { 'content-type': 'application/json' } });
    expectProblem(res, 400, 'invalid_json');
  });

  it('unknown JSON fields are ignored', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const m = await send(api, a, chat, { content: 'x', sender_id: b.user.id, seq: 99, is_deleted: true });
    expect(m).toMatchObject({ sender_id: a.user.id, seq: 1, is_deleted: false });
  });
});

describe('seq', () => {
  it('numbers messages 1, 2, 3 per chat, independently in each chat', async () => {
    const a = await register(api);
    const b = await register(api);
    const c = await register(api);
    const ab = await direct(api, a, b);
    const ac = await direct(api, a, c);
    const seqs: Array<[string, number]> = [];
    for (let i = 0; i < 3; i += 1) {
      seqs.push(['ab', (await send(api, a, ab, `ab ${i}`)).seq]);
      seqs.push(['ac', (await send(api, c, ac, `ac ${i}`)).seq]);
    }
    expect(seqs).toEqual([
      ['ab', 1],
      ['ac', 1],
      ['ab', 2],
      ['ac', 2],
      ['ab', 3],
      ['ac', 3],
    ]);
  });

  it('a group starts with its "created" system message at seq 1', async () => {
    const owner = await register(api, { full_name: 'Owner Person' });
    const m = await register(api);
    const chat = await group(api, owner, [m], 'Book club');
    const first = await page(api, owner, chat);
    expect(first.messages).toEqual([expect.objectContaining({ seq: 1, message_type: 'system' })]);
    expect((await send(api, m, chat, 'hi')).seq).toBe(2);
  });

  it('failed sends take no seq', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    await send(api, a, chat, 'one');
    expect((await api.post(`/api/chats/${chat}/messages`, { token: a.token, body: { content: 'x', reply_to: UNKNOWN_ID } })).status).toBe(400);
    expect((await api.post(`/api/chats/${chat}/messages`, { token: a.token, body: { content: 'x', message_type: 'system' } })).status).toBe(400);
    expect((await send(api, b, chat, 'two')).seq).toBe(2);
  });

  it('60 concurrent sends from 3 users into one chat get seqs exactly 1..60', async () => {
    const a = await register(api);
    const b = await register(api);
    const c = await register(api);
    const chatId = await group(api, a, [b, c]);
    const other = await direct(api, a, b);
    const users = [a, b, c];
    const replies = await Promise.all(
      Array.from({ length: 60 }, (_, i) => api.post(`/api/chats/${chatId}/messages`, { token: users[i % 3]?.token, body: { content: `msg ${i}` } })),
    );
    for (const r of replies) {
      expectStatus(r, 201);
    }
    // The group's system message holds seq 1; the 60 sends take 2..61.
    const seqs = replies.map((r) => r.body.seq as number).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i + 2));
    expect(new Set(replies.map((r) => r.body.id)).size).toBe(60);
    const all = await page(api, a, chatId, 'limit=200');
    expect(all.total).toBe(61);
    expect(all.messages.map((m: { seq: number }) => m.seq)).toEqual(Array.from({ length: 61 }, (_, i) => i + 1));
    // Read back in seq order, each message is the one sent with that seq.
    const bySeq = new Map(replies.map((r) => [r.body.seq, r.body.content]));
    for (const m of all.messages.slice(1)) {
      expect(m.content).toBe(bySeq.get(m.seq));
    }
    // Another chat is untouched.
    expect((await send(api, a, other, 'elsewhere')).seq).toBe(1);
  });

  it('60 concurrent sends into a direct chat get seqs exactly 1..60, total 60', async () => {
    const a = await register(api);
    const b = await register(api);
    const chatId = await direct(api, a, b);
    const replies = await Promise.all(
      Array.from({ length: 60 }, (_, i) => api.post(`/api/chats/${chatId}/messages?content=${i}`, { token: (i % 2 ? a : b).token })),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(60).fill(201));
    expect(replies.map((r) => r.body.seq as number).sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    const all = await page(api, a, chatId, 'limit=200');
    expect(all.total).toBe(60);
    expect(all.has_more).toBe(false);
    expect(all.messages).toHaveLength(60);
  });
});
