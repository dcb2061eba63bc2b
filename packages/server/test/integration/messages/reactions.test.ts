import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, register } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';
import { direct, expectStatus, getMessage, group, page, send, UNKNOWN_ID } from './helpers.js';

let server: TestServer;
let api: Api;

beforeAll(async () => {
  server = await startServer();
  api = new Api(server.url);
});
afterAll(() => server.close());

function react(token: string, chat: string, id: string, emoji: unknown) {
  return api.post(`/api/chats/${chat}/messages/${id}/react`, { token, body: { emoji } });
}

describe('POST /api/chats/{id}/messages/{mid}/react', () => {
  it('toggles: reacted, then unreacted', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const m = await send(api, a, chat, 'nice');
    const on = await react(b.token, chat, m.id, '👍');
    expectStatus(on, 200);
    expect(on.body).toEqual({ status: 'reacted', reactions: { '👍': [b.user.id] } });
    expect((await getMessage(api, a, chat, m.id)).reactions).toEqual({ '👍': [b.user.id] });
    const off = await react(b.token, chat, m.id, '👍');
    expectStatus(off, 200);
    expect(off.body).toEqual({ status: 'unreacted', reactions: {} });
    expect((await getMessage(api, a, chat, m.id)).reactions).toEqual({});
  });

  it('several users and emojis make {emoji: [user ids]} in the order they reacted', async () => {
    const a = await register(api);
    const b = await register(api);
    const c = await register(api);
    const chat = await group(api, a, [b, c]);
    const m = await send(api, a, chat, 'party');
    await react(b.token, chat, m.id, '❤️');
    server.clock.advance(1);
    await react(c.token, chat, m.id, '❤️');
    server.clock.advance(1);
    await react(a.token, chat, m.id, '😂');
    server.clock.advance(1);
    const last = await react(b.token, chat, m.id, '😂');
    expect(last.body.status).toBe('reacted');
    expect(last.body.reactions).toEqual({ '❤️': [b.user.id, c.user.id], '😂': [a.user.id, b.user.id] });
    // Taking one back leaves the others.
    const back = await react(c.token, chat, m.id, '❤️');
    expect(back.body).toEqual({ status: 'unreacted', reactions: { '❤️': [b.user.id], '😂': [a.user.id, b.user.id] } });
    const listed = (await page(api, c, chat)).messages.find((x: { id: string }) => x.id === m.id);
    expect(listed.reactions).toEqual(back.body.reactions);
  });

  it('an emoji with surrounding spaces is the same emoji', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const m = await send(api, a, chat, 'x');
    expect((await react(b.token, chat, m.id, ' 🔥 ')).body).toEqual({ status: 'reacted', reactions: { '🔥': [b.user.id] } });
    expect((await react(b.token, chat, m.id, '🔥')).body).toEqual({ status: 'unreacted', reactions: {} });
  });

  it('400 for a blank, missing, too long or non-string emoji', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const m = await send(api, a, chat, 'x');
    expectProblem(await react(b.token, chat, m.id, ''), 400, 'validation_failed');
    expectProblem(await react(b.token, chat, m.id, '   '), 400, 'validation_failed');
    expectProblem(await react(b.token, chat, m.id, 7), 400, 'validation_failed');
    expectProblem(await react(b.token, chat, m.id, 'x'.repeat(33)), 400, 'validation_failed');
    expectProblem(await api.post(`/api/chats/${chat}/messages/${m.id}/react`, { token: b.token, body: {} }), 400, 'validation_failed');
    expectProblem(await api.post(`/api/chats/${chat}/messages/${m.id}/react`, { token: b.token }), 400, 'validation_failed');
    expect((await getMessage(api, a, chat, m.id)).reactions).toEqual({});
  });

  it('400 message_deleted when reacting to a deleted message', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const m = await send(api, a, chat, 'x');
    expectStatus(await api.delete(`/api/chats/${chat}/messages/${m.id}`, { token: a.token }), 200);
    expectProblem(await react(b.token, chat, m.id, '👍'), 400, 'message_deleted');
  });

  it('404 for a message of another chat; 403 for a chat I am not in', async () => {
    const a = await register(api);
    const b = await register(api);
    const c = await register(api);
    const ab = await direct(api, a, b);
    const bc = await direct(api, b, c);
    const m = await send(api, b, bc, 'theirs');
    expectProblem(await react(a.token, ab, m.id, '👍'), 404, 'message_not_found');
    expectProblem(await react(a.token, bc, m.id, '👍'), 403, 'not_a_member');
    expectProblem(await react(a.token, ab, UNKNOWN_ID, '👍'), 404, 'message_not_found');
    expect((await getMessage(api, c, bc, m.id)).reactions).toEqual({});
  });

  it('concurrent toggles by one user never fail, and the end state matches the answers', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const m = await send(api, a, chat, 'tap tap tap');
    const replies = await Promise.all(Array.from({ length: 8 }, () => react(b.token, chat, m.id, '👏')));
    for (const r of replies) {
      expectStatus(r, 200);
    }
    const added = replies.filter((r) => r.body.status === 'reacted').length;
    const removed = replies.filter((r) => r.body.status === 'unreacted').length;
    expect(added + removed).toBe(8);
    expect([0, 1]).toContain(added - removed);
    const final = (await getMessage(api, a, chat, m.id)).reactions;
    expect(final).toEqual(added - removed === 1 ? { '👏': [b.user.id] } : {});
  });

  it('10 concurrent reactions by different users all count', async () => {
    const owner = await register(api);
    const members = await Promise.all(Array.from({ length: 10 }, () => register(api)));
    const chat = await group(api, owner, members);
    const m = await send(api, owner, chat, 'vote');
    const replies = await Promise.all(members.map((u) => react(u.token, chat, m.id, '✅')));
    expect(replies.map((r) => r.status)).toEqual(Array(10).fill(200));
    const final = await getMessage(api, owner, chat, m.id);
    expect([...final.reactions['✅']].sort()).toEqual(members.map((u) => u.user.id).sort());
  });
});
