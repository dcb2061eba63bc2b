import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, register } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';
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
  storedEventsAfter,
  storedFiles,
  uploadForm,
} from './helpers.js';

let server: TestServer;
let api: Api;

beforeAll(async () => {
  server = await startServer();
  api = new Api(server.url);
});
afterAll(() => server.close());

describe('exactly-once sends', () => {
  it('the same client_id twice returns the same message, marked Idempotent-Replayed, and stores one row', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const first = await api.post(`/api/chats/${chat}/messages`, { token: a.token, body: { content: 'once', client_id: 'c-42' } });
    expectStatus(first, 201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await api.post(`/api/chats/${chat}/messages`, { token: a.token, body: { content: 'once', client_id: 'c-42' } });
    expectStatus(again, 201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await messageRows(server, chat)).toBe(1);
    // The next message still gets the next seq: the replay took none.
    expect((await send(api, a, chat, 'next')).seq).toBe(2);
  });

  it('a retry with different content still returns the original (the client_id decides)', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const first = await send(api, a, chat, { content: 'original', client_id: 'same' });
    const res = await api.post(`/api/chats/${chat}/messages`, { token: a.token, body: { content: 'changed', client_id: 'same' } });
    expect(res.headers.get('idempotent-replayed')).toBe('true');
    expect(res.body.id).toBe(first.id);
    expect(res.body.content).toBe('original');
  });

  it('the client_id works as a query parameter too', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const one = await api.post(`/api/chats/${chat}/messages?content=hi&client_id=q-1`, { token: a.token });
    const two = await api.post(`/api/chats/${chat}/messages?content=hi&client_id=q-1`, { token: a.token });
    expect(two.body.id).toBe(one.body.id);
    expect(two.headers.get('idempotent-replayed')).toBe('true');
    expect(await messageRows(server, chat)).toBe(1);
  });

  it('the Idempotency-Key header works the same, and becomes the client_id', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const headers = { 'idempotency-key': 'key-7f3a' };
    const first = await api.post(`/api/chats/${chat}/messages`, { token: a.token, body: { content: 'keyed' }, headers });
    expectStatus(first, 201);
    expect(first.body.client_id).toBe('key-7f3a');
    const again = await api.post(`/api/chats/${chat}/messages?content=keyed`, { token: a.token, headers });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    // A body client_id equal to the earlier key is the same send.
    const viaBody = await api.post(`/api/chats/${chat}/messages`, { token: a.token, body: { content: 'keyed', client_id: 'key-7f3a' } });
    expect(viaBody.body.id).toBe(first.body.id);
    expect(await messageRows(server, chat)).toBe(1);
  });

  it('a blank Idempotency-Key is ignored', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const one = await send(api, a, chat, 'x', { 'idempotency-key': '   ' });
    const two = await send(api, a, chat, 'x', { 'idempotency-key': '   ' });
    expect(one.client_id).toBeNull();
    expect(two.id).not.toBe(one.id);
  });

  it('20 concurrent sends with the same client_id all answer the same message, and one is stored', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const recorder = recordEvents(server);
    const before = await newestEventId(server);
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => api.post(`/api/chats/${chat}/messages`, { token: a.token, body: { content: 'racy', client_id: 'race-1' } })),
    );
    recorder.stop();
    for (const r of replies) {
      expectStatus(r, 201);
    }
    expect(new Set(replies.map((r) => r.body.id)).size).toBe(1);
    expect(replies.filter((r) => r.headers.get('idempotent-replayed') === null)).toHaveLength(1);
    expect(replies.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);
    expect(await messageRows(server, chat)).toBe(1);
    // One new_message published and stored; the losers' rolled-back attempts left nothing.
    expect(recorder.ofType('new_message').filter((e) => e.chat_id === chat)).toHaveLength(1);
    expect((await storedEventsAfter(server, before)).filter((e) => e.chat_id === chat && e.type === 'new_message')).toHaveLength(1);
    // No gap: the next message is seq 2.
    expect((await send(api, b, chat, 'after the race')).seq).toBe(2);
  });

  it('20 concurrent file sends with one client_id store one message and one file', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const image = await png(64, 48);
    const filesBefore = storedFiles(server).length;
    const replies = await Promise.all(
      Array.from({ length: 20 }, () =>
        api.post(`/api/chats/${chat}/messages/file`, { token: a.token, form: uploadForm(image, 'p.png', 'image/png', { client_id: 'file-race' }) }),
      ),
    );
    for (const r of replies) {
      expectStatus(r, 201);
    }
    expect(new Set(replies.map((r) => r.body.id)).size).toBe(1);
    expect(await messageRows(server, chat)).toBe(1);
    // The file and its thumbnail, once: the losers' bytes were removed.
    expect(storedFiles(server).length - filesBefore).toBe(2);
  });

  it('the same client_id from a different sender, or in another chat, is a new message', async () => {
    const a = await register(api);
    const b = await register(api);
    const c = await register(api);
    const ab = await direct(api, a, b);
    const ac = await direct(api, a, c);
    const mine = await send(api, a, ab, { content: 'a', client_id: 'shared' });
    const theirs = await api.post(`/api/chats/${ab}/messages`, { token: b.token, body: { content: 'b', client_id: 'shared' } });
    expectStatus(theirs, 201);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect(theirs.body.id).not.toBe(mine.id);
    expect(theirs.body.sender_id).toBe(b.user.id);
    const elsewhere = await api.post(`/api/chats/${ac}/messages`, { token: a.token, body: { content: 'c', client_id: 'shared' } });
    expect(elsewhere.headers.get('idempotent-replayed')).toBeNull();
    expect(elsewhere.body.id).not.toBe(mine.id);
    expect(elsewhere.body.chat_id).toBe(ac);
    expect(await messageRows(server, ab)).toBe(2);
    expect(await messageRows(server, ac)).toBe(1);
  });

  it('a client_id of someone else cannot be used to read their message', async () => {
    const a = await register(api);
    const b = await register(api);
    const outsider = await register(api);
    const chat = await group(api, a, [b]);
    await send(api, a, chat, { content: 'private', client_id: 'guess-me' });
    // A non-member repeating the client_id is refused before any lookup.
    const res = await api.post(`/api/chats/${chat}/messages`, { token: outsider.token, body: { content: 'x', client_id: 'guess-me' } });
    expectProblem(res, 403, 'not_a_member');
    expect(res.text).not.toContain('private');
  });

  it('a replayed send is not stopped by a block that came after it (the message exists already)', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const first = await send(api, a, chat, { content: 'sent before', client_id: 'pre-block' });
    expectStatus(await api.post(`/api/users/${a.user.id}/block`, { token: b.token }), 200);
    const again = await api.post(`/api/chats/${chat}/messages`, { token: a.token, body: { content: 'sent before', client_id: 'pre-block' } });
    expectStatus(again, 201);
    expect(again.body.id).toBe(first.id);
    expectProblem(await api.post(`/api/chats/${chat}/messages`, { token: a.token, body: { content: 'new', client_id: 'post-block' } }), 403, 'blocked');
  });

  it('client_id longer than 128 characters is refused', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    expectProblem(
      await api.post(`/api/chats/${chat}/messages`, { token: a.token, body: { content: 'x', client_id: 'c'.repeat(129) } }),
      400,
      'validation_failed',
    );
    const list = await page(api, a, chat);
    expect(list.total).toBe(0);
  });
});
