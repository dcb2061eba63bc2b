import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, register } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';
import { direct, download, expectStatus, getMessage, group, page, png, send, sendFile, storedFiles, UNKNOWN_ID } from './helpers.js';

let server: TestServer;
let api: Api;

beforeAll(async () => {
  server = await startServer();
  api = new Api(server.url);
});
afterAll(() => server.close());

function edit(token: string, chat: string, id: string, content: unknown) {
  return api.put(`/api/chats/${chat}/messages/${id}`, { token, body: { content } });
}

describe('PUT /api/chats/{id}/messages/{mid} (edit)', () => {
  it('the sender edits the text; edited_at is set and everyone sees the new text', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const m = await send(api, a, chat, 'helo');
    server.clock.advance(5000);
    const res = await edit(a.token, chat, m.id, 'hello');
    expectStatus(res, 200);
    expect(res.body).toMatchObject({ id: m.id, seq: m.seq, content: 'hello', created_at: m.created_at, is_deleted: false });
    expect(res.body.edited_at).toBe(new Date(server.clock.now()).toISOString());
    expect((await getMessage(api, b, chat, m.id)).content).toBe('hello');
    expect((await getMessage(api, b, chat, m.id)).edited_at).toBe(res.body.edited_at);
  });

  it('keeps previous versions, oldest first, in GET .../history', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const m = await send(api, a, chat, 'v1');
    expect((await api.get(`/api/chats/${chat}/messages/${m.id}/history`, { token: b.token })).body).toEqual([]);
    server.clock.advance(1000);
    const t2 = new Date(server.clock.now()).toISOString();
    expectStatus(await edit(a.token, chat, m.id, 'v2'), 200);
    server.clock.advance(1000);
    const t3 = new Date(server.clock.now()).toISOString();
    expectStatus(await edit(a.token, chat, m.id, 'v3'), 200);
    // Two edits in the same millisecond keep their order too.
    expectStatus(await edit(a.token, chat, m.id, 'v4'), 200);
    const res = await api.get(`/api/chats/${chat}/messages/${m.id}/history`, { token: b.token });
    expectStatus(res, 200);
    expect(res.body).toEqual([
      { content: 'v1', edited_at: t2 },
      { content: 'v2', edited_at: t3 },
      { content: 'v3', edited_at: t3 },
    ]);
    expect((await getMessage(api, a, chat, m.id)).content).toBe('v4');
  });

  it('concurrent edits each keep the text they replaced: the history is one unbroken chain', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const m = await send(api, a, chat, 'v0');
    const replies = await Promise.all(['v1', 'v2', 'v3', 'v4', 'v5'].map((v) => edit(a.token, chat, m.id, v)));
    for (const r of replies) {
      expectStatus(r, 200);
    }
    const history = (await api.get(`/api/chats/${chat}/messages/${m.id}/history`, { token: a.token })).body.map((h: { content: string }) => h.content);
    const final = (await getMessage(api, a, chat, m.id)).content;
    expect(history).toHaveLength(5);
    expect(history[0]).toBe('v0');
    // Every version appears exactly once: in the history, or as the current text.
    expect([...history, final].sort()).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5']);
  });

  it('an edit to the same text changes nothing', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const m = await send(api, a, chat, 'same');
    const res = await edit(a.token, chat, m.id, 'same');
    expectStatus(res, 200);
    expect(res.body.edited_at).toBeNull();
    expect((await api.get(`/api/chats/${chat}/messages/${m.id}/history`, { token: a.token })).body).toEqual([]);
  });

  it('Arabic and Persian edits round-trip', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const m = await send(api, a, chat, 'سلام');
    expect((await edit(a.token, chat, m.id, 'سلامٌ عليكم 🌙')).body.content).toBe('سلامٌ عليكم 🌙');
  });

  it('403 not_sender for anyone but the sender, group owners included', async () => {
    const owner = await register(api);
    const member = await register(api);
    const chat = await group(api, owner, [member]);
    const m = await send(api, member, chat, 'mine');
    expectProblem(await edit(owner.token, chat, m.id, 'owned'), 403, 'not_sender');
    expect((await getMessage(api, member, chat, m.id)).content).toBe('mine');
  });

  it('403 not_sender for a system message, even for the member it names as sender', async () => {
    const owner = await register(api);
    const member = await register(api);
    const chat = await group(api, owner, [member]);
    const system = (await page(api, owner, chat)).messages[0];
    expect(system.message_type).toBe('system');
    expectProblem(await edit(owner.token, chat, system.id, 'rewritten history'), 403, 'not_sender');
  });

  it('400 not_editable for a file message', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const m = await sendFile(api, a, chat, Buffer.from('plain text file'), 'notes.txt');
    const res = await edit(a.token, chat, m.id, 'new caption');
    expectProblem(res, 400, 'not_editable');
  });

  it('400 message_deleted for a deleted message', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const m = await send(api, a, chat, 'soon gone');
    expectStatus(await api.delete(`/api/chats/${chat}/messages/${m.id}`, { token: a.token }), 200);
    expectProblem(await edit(a.token, chat, m.id, 'back from the dead'), 400, 'message_deleted');
  });

  it('400 for empty, blank, missing or non-string content', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const m = await send(api, a, chat, 'x');
    for (const res of [
      await edit(a.token, chat, m.id, ''),
      await edit(a.token, chat, m.id, 42),
      await api.put(`/api/chats/${chat}/messages/${m.id}`, { token: a.token, body: {} }),
    ]) {
      expectProblem(res, 400, 'validation_failed');
    }
    expectProblem(await edit(a.token, chat, m.id, '   '), 400, 'content_required');
    expect((await getMessage(api, a, chat, m.id)).content).toBe('x');
  });

  it('404 message_not_found for a message of another chat', async () => {
    const a = await register(api);
    const b = await register(api);
    const c = await register(api);
    const ab = await direct(api, a, b);
    const ac = await direct(api, a, c);
    const m = await send(api, a, ac, 'elsewhere');
    expectProblem(await edit(a.token, ab, m.id, 'moved'), 404, 'message_not_found');
    expectProblem(await edit(a.token, ab, UNKNOWN_ID, 'moved'), 404, 'message_not_found');
    expectProblem(await api.get(`/api/chats/${ab}/messages/${m.id}/history`, { token: a.token }), 404, 'message_not_found');
  });
});

describe('DELETE /api/chats/{id}/messages/{mid}', () => {
  it('the sender deletes: a tombstone that keeps its seq, with content, file and reactions gone', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    await send(api, a, chat, 'before');
    const m = await send(api, a, chat, 'regrettable');
    await send(api, b, chat, 'after');
    expectStatus(await api.post(`/api/chats/${chat}/messages/${m.id}/react`, { token: b.token, body: { emoji: '😮' } }), 200);
    const res = await api.delete(`/api/chats/${chat}/messages/${m.id}`, { token: a.token });
    expectStatus(res, 200);
    expect(res.body).toEqual({ status: 'deleted' });
    const tomb = await getMessage(api, b, chat, m.id);
    expect(tomb).toMatchObject({ id: m.id, seq: 2, is_deleted: true, content: null, file: null, file_url: null, reactions: {}, sender_id: a.user.id });
    const list = await page(api, b, chat);
    expect(list.total).toBe(3);
    expect(list.messages.map((x: { seq: number }) => x.seq)).toEqual([1, 2, 3]);
    expect(JSON.stringify(list)).not.toContain('regrettable');
  });

  it("deleting a file message removes the file's bytes and its signed URLs stop working", async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const before = storedFiles(server);
    const m = await sendFile(api, a, chat, await png(400, 300), 'holiday.png');
    const added = storedFiles(server).filter((f) => !before.includes(f));
    expect(added).toHaveLength(2); // the image and its thumbnail
    expect((await download(server, m.file.url)).status).toBe(200);
    expect((await download(server, m.file.thumbnail_url)).status).toBe(200);
    expectStatus(await api.delete(`/api/chats/${chat}/messages/${m.id}`, { token: a.token }), 200);
    expect(storedFiles(server).filter((f) => added.includes(f))).toEqual([]);
    expectProblem(await api.get(m.file.url), 404, 'file_not_found');
    expectProblem(await api.get(m.file.thumbnail_url), 404, 'file_not_found');
    const tomb = await getMessage(api, b, chat, m.id);
    expect(tomb).toMatchObject({ is_deleted: true, content: null, file: null, file_url: null });
  });

  it('a second delete is fine and changes nothing', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const m = await send(api, a, chat, 'x');
    expectStatus(await api.delete(`/api/chats/${chat}/messages/${m.id}`, { token: a.token }), 200);
    const again = await api.delete(`/api/chats/${chat}/messages/${m.id}`, { token: a.token });
    expectStatus(again, 200);
    expect(again.body).toEqual({ status: 'deleted' });
  });

  it('concurrent deletes tombstone once', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const m = await sendFile(api, a, chat, Buffer.from('bytes'), 'f.txt');
    const deleted: string[] = [];
    const stop = server.services.bus.subscribe((e) => {
      if (e.type === 'message_deleted' && e.payload.message_id === m.id) {
        deleted.push(String(e.id));
      }
    });
    const replies = await Promise.all(Array.from({ length: 6 }, () => api.delete(`/api/chats/${chat}/messages/${m.id}`, { token: a.token })));
    stop();
    expect(replies.map((r) => r.status)).toEqual(Array(6).fill(200));
    expect(deleted).toHaveLength(1);
  });

  it('a reaction racing a delete never survives on the tombstone', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const m = await send(api, a, chat, 'contested');
    const [reacts, del] = await Promise.all([
      Promise.all(Array.from({ length: 5 }, (_, i) => api.post(`/api/chats/${chat}/messages/${m.id}/react`, { token: b.token, body: { emoji: `e${i}` } }))),
      api.delete(`/api/chats/${chat}/messages/${m.id}`, { token: a.token }),
    ]);
    expectStatus(del, 200);
    for (const r of reacts) {
      expect([200, 400], r.text).toContain(r.status);
    }
    const rows = await server.storage.db.selectFrom('reactions').selectAll().where('message_id', '=', m.id).execute();
    expect(rows).toEqual([]);
  });

  it('a plain member cannot delete the messages of others (403 not_sender)', async () => {
    const owner = await register(api);
    const m1 = await register(api);
    const m2 = await register(api);
    const chat = await group(api, owner, [m1, m2]);
    const msg = await send(api, m1, chat, 'mine');
    expectProblem(await api.delete(`/api/chats/${chat}/messages/${msg.id}`, { token: m2.token }), 403, 'not_sender');
    expect((await getMessage(api, m2, chat, msg.id)).is_deleted).toBe(false);
  });

  it('in a direct chat the other person cannot delete my message', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const msg = await send(api, a, chat, 'mine');
    expectProblem(await api.delete(`/api/chats/${chat}/messages/${msg.id}`, { token: b.token }), 403, 'not_sender');
  });

  it("the group's owner and admins may delete anyone's message", async () => {
    const owner = await register(api);
    const admin = await register(api);
    const member = await register(api);
    const chat = await group(api, owner, [admin, member]);
    expectStatus(await api.post(`/api/chats/${chat}/admins/${admin.user.id}`, { token: owner.token }), 200);
    const one = await send(api, member, chat, 'spam one');
    const two = await send(api, member, chat, 'spam two');
    const ownersOwn = await send(api, owner, chat, 'owner speaking');
    expectStatus(await api.delete(`/api/chats/${chat}/messages/${one.id}`, { token: owner.token }), 200);
    expectStatus(await api.delete(`/api/chats/${chat}/messages/${two.id}`, { token: admin.token }), 200);
    expectStatus(await api.delete(`/api/chats/${chat}/messages/${ownersOwn.id}`, { token: admin.token }), 200);
    for (const id of [one.id, two.id, ownersOwn.id]) {
      expect((await getMessage(api, member, chat, id)).is_deleted).toBe(true);
    }
  });

  it('404 message_not_found for a message of another chat', async () => {
    const a = await register(api);
    const b = await register(api);
    const c = await register(api);
    const ab = await direct(api, a, b);
    const ac = await direct(api, a, c);
    const m = await send(api, a, ac, 'elsewhere');
    expectProblem(await api.delete(`/api/chats/${ab}/messages/${m.id}`, { token: a.token }), 404, 'message_not_found');
    expect((await getMessage(api, a, ac, m.id)).is_deleted).toBe(false);
  });

  it('a deleted message has no edit history left', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const m = await send(api, a, chat, 'first words');
    expectStatus(await edit(a.token, chat, m.id, 'second words'), 200);
    expectStatus(await api.delete(`/api/chats/${chat}/messages/${m.id}`, { token: a.token }), 200);
    const res = await api.get(`/api/chats/${chat}/messages/${m.id}/history`, { token: b.token });
    expectStatus(res, 200);
    expect(res.body).toEqual([]);
    const rows = await server.storage.db.selectFrom('message_edits').selectAll().where('message_id', '=', m.id).execute();
    expect(rows).toEqual([]);
  });

  it('?for=everyone is the default tombstone', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const m = await send(api, a, chat, 'x');
    expectStatus(await api.delete(`/api/chats/${chat}/messages/${m.id}?for=everyone`, { token: a.token }), 200);
    expect((await getMessage(api, b, chat, m.id)).is_deleted).toBe(true);
  });

  it('?for=me hides a message for me only (any member, anyone’s message); the others still see it', async () => {
    const owner = await register(api);
    const member = await register(api);
    const other = await register(api);
    const chat = await group(api, owner, [member, other]);
    const theirs = await send(api, owner, chat, 'visible to the rest');
    const mine = await send(api, member, chat, 'my own words');
    await send(api, other, chat, 'later');
    const before = await page(api, member, chat);
    expect(before.total).toBe(4);
    const res = await api.delete(`/api/chats/${chat}/messages/${theirs.id}?for=me`, { token: member.token });
    expectStatus(res, 200);
    expect(res.body).toEqual({ status: 'deleted' });
    expectStatus(await api.delete(`/api/chats/${chat}/messages/${mine.id}?for=me`, { token: member.token }), 200);
    // Again is fine.
    expectStatus(await api.delete(`/api/chats/${chat}/messages/${mine.id}?for=me`, { token: member.token }), 200);
    const after = await page(api, member, chat);
    expect(after.messages.map((m: { content: string }) => m.content)).not.toContain('visible to the rest');
    expect(after.messages.map((m: { id: string }) => m.id)).not.toContain(mine.id);
    expect(after.total).toBe(2);
    expect(after.has_more).toBe(false);
    expectProblem(await api.get(`/api/chats/${chat}/messages/${theirs.id}`, { token: member.token }), 404, 'message_not_found');
    const searched = await api.get(`/api/chats/${chat}/messages/search?query=visible`, { token: member.token });
    expect(searched.body).toEqual([]);
    // Everyone else: unchanged, not a tombstone.
    for (const who of [owner, other]) {
      const seen = await getMessage(api, who, chat, theirs.id);
      expect(seen).toMatchObject({ content: 'visible to the rest', is_deleted: false });
      expect((await getMessage(api, who, chat, mine.id)).content).toBe('my own words');
      expect((await page(api, who, chat)).total).toBe(4);
    }
    const found = await api.get('/api/messages/search?q=visible', { token: other.token });
    expect(found.body).toHaveLength(1);
  });

  it('cursor pages skip what I hid', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const sent = [];
    for (let i = 1; i <= 5; i += 1) {
      sent.push(await send(api, a, chat, `c${i}`));
    }
    expectStatus(await api.delete(`/api/chats/${chat}/messages/${sent[0].id}?for=me`, { token: b.token }), 200);
    expectStatus(await api.delete(`/api/chats/${chat}/messages/${sent[3].id}?for=me`, { token: b.token }), 200);
    const back = await page(api, b, chat, 'before_seq=4&limit=10');
    expect(back.messages.map((m: { content: string }) => m.content)).toEqual(['c2', 'c3']);
    expect(back.has_more).toBe(false);
    const fwd = await page(api, b, chat, 'after_seq=2&limit=10');
    expect(fwd.messages.map((m: { content: string }) => m.content)).toEqual(['c3', 'c5']);
    expect(fwd.has_more).toBe(false);
    expect((await page(api, b, chat, 'limit=2')).has_more).toBe(true);
  });

  it('?for= must be everyone or me; a non-member cannot hide', async () => {
    const a = await register(api);
    const b = await register(api);
    const outsider = await register(api);
    const chat = await direct(api, a, b);
    const m = await send(api, a, chat, 'x');
    expectProblem(await api.delete(`/api/chats/${chat}/messages/${m.id}?for=nobody`, { token: a.token }), 400, 'validation_failed');
    expectProblem(await api.delete(`/api/chats/${chat}/messages/${m.id}?for=me`, { token: outsider.token }), 403, 'not_a_member');
    expect((await getMessage(api, a, chat, m.id)).is_deleted).toBe(false);
  });

  it('the chats list shows a deleted last message without its text', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const m = await send(api, a, chat, 'oops');
    expectStatus(await api.delete(`/api/chats/${chat}/messages/${m.id}`, { token: a.token }), 200);
    const mine = (await api.get('/api/chats', { token: b.token })).body.find((c: { id: string }) => c.id === chat);
    expect(mine.last_message).toMatchObject({ id: m.id, content: null });
  });
});
