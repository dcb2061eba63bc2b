import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, register } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';
import { direct, download, expectStatus, getMessage, group, messageRows, page, png, send, sendFile, storedFiles, UNKNOWN_ID } from './helpers.js';

let server: TestServer;
let api: Api;

beforeAll(async () => {
  server = await startServer();
  api = new Api(server.url);
});
afterAll(() => server.close());

function forward(token: string, chat: string, id: string, targets: unknown) {
  return api.post(`/api/chats/${chat}/messages/${id}/forward`, { token, body: { target_chat_ids: targets } });
}

describe('POST /api/chats/{id}/messages/{mid}/forward', () => {
  it('forwards into several chats: {status, forwarded_to, messages}, each a new message of mine pointing at the original', async () => {
    const a = await register(api, { full_name: 'Author' });
    const b = await register(api, { full_name: 'Forwarder' });
    const c = await register(api);
    const d = await register(api);
    const source = await direct(api, a, b);
    const t1 = await direct(api, b, c);
    const t2 = await group(api, b, [d]);
    const original = await send(api, a, source, 'worth sharing');
    const res = await forward(b.token, source, original.id, [t1, t2]);
    expectStatus(res, 200);
    expect(res.body.status).toBe('forwarded');
    expect(res.body.forwarded_to).toBe(2);
    expect(res.body.messages).toHaveLength(2);
    const [m1, m2] = res.body.messages;
    expect(m1).toMatchObject({ chat_id: t1, seq: 1, sender_id: b.user.id, sender_name: 'Forwarder', content: 'worth sharing', message_type: 'text' });
    expect(m2).toMatchObject({ chat_id: t2, seq: 2, sender_id: b.user.id, content: 'worth sharing' });
    for (const m of [m1, m2]) {
      expect(m.id).not.toBe(original.id);
      expect(m.forwarded_from).toEqual({ message_id: original.id, chat_id: source, sender_id: a.user.id, sender_name: 'Author' });
    }
    // The recipients see it in their chats.
    expect((await getMessage(api, c, t1, m1.id)).forwarded_from.message_id).toBe(original.id);
    expect((await page(api, d, t2)).messages.at(-1).content).toBe('worth sharing');
    // The source chat is unchanged.
    expect(await messageRows(server, source)).toBe(1);
  });

  it('forwarding a forward keeps pointing at the original', async () => {
    const a = await register(api);
    const b = await register(api);
    const c = await register(api);
    const ab = await direct(api, a, b);
    const bc = await direct(api, b, c);
    const ca = await direct(api, c, a);
    const original = await send(api, a, ab, 'chain letter');
    const first = (await forward(b.token, ab, original.id, [bc])).body.messages[0];
    const second = await forward(c.token, bc, first.id, [ca]);
    expectStatus(second, 200);
    expect(second.body.messages[0].forwarded_from).toMatchObject({ message_id: original.id, chat_id: ab, sender_id: a.user.id });
  });

  it('duplicate targets count once; forwarding into the same chat is allowed', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const m = await send(api, a, chat, 'again');
    const res = await forward(a.token, chat, m.id, [chat, chat]);
    expectStatus(res, 200);
    expect(res.body.forwarded_to).toBe(1);
    expect(res.body.messages[0]).toMatchObject({ chat_id: chat, seq: 2, content: 'again' });
  });

  it('403 not_a_member when I am not in one of the targets, and then nothing is forwarded', async () => {
    const a = await register(api);
    const b = await register(api);
    const c = await register(api);
    const d = await register(api);
    const mine = await direct(api, a, b);
    const alsoMine = await direct(api, a, c);
    const notMine = await direct(api, c, d);
    const m = await send(api, a, mine, 'x');
    const res = await forward(a.token, mine, m.id, [alsoMine, notMine]);
    expectProblem(res, 403, 'not_a_member');
    expect(await messageRows(server, alsoMine)).toBe(0);
    expect(await messageRows(server, notMine)).toBe(0);
  });

  it('404 chat_not_found for an unknown target, and nothing is forwarded', async () => {
    const a = await register(api);
    const b = await register(api);
    const c = await register(api);
    const mine = await direct(api, a, b);
    const other = await direct(api, a, c);
    const m = await send(api, a, mine, 'x');
    expectProblem(await forward(a.token, mine, m.id, [other, UNKNOWN_ID]), 404, 'chat_not_found');
    expect(await messageRows(server, other)).toBe(0);
  });

  it('403 blocked when forwarding into a direct chat with a block', async () => {
    const a = await register(api);
    const b = await register(api);
    const c = await register(api);
    const ab = await direct(api, a, b);
    const ac = await direct(api, a, c);
    expectStatus(await api.post(`/api/users/${a.user.id}/block`, { token: c.token }), 200);
    const m = await send(api, a, ab, 'x');
    expectProblem(await forward(a.token, ab, m.id, [ac]), 403, 'blocked');
    expect(await messageRows(server, ac)).toBe(0);
  });

  it('400 for no targets, a non-array, or a deleted message; 404 for a message of another chat', async () => {
    const a = await register(api);
    const b = await register(api);
    const c = await register(api);
    const ab = await direct(api, a, b);
    const ac = await direct(api, a, c);
    const m = await send(api, a, ab, 'x');
    expectProblem(await forward(a.token, ab, m.id, []), 400, 'validation_failed');
    expectProblem(await forward(a.token, ab, m.id, ac), 400, 'validation_failed');
    expectProblem(await api.post(`/api/chats/${ab}/messages/${m.id}/forward`, { token: a.token }), 400, 'validation_failed');
    const elsewhere = await send(api, a, ac, 'y');
    expectProblem(await forward(a.token, ab, elsewhere.id, [ab]), 404, 'message_not_found');
    expectStatus(await api.delete(`/api/chats/${ab}/messages/${m.id}`, { token: a.token }), 200);
    expectProblem(await forward(a.token, ab, m.id, [ac]), 400, 'not_forwardable');
  });

  it('system messages cannot be forwarded', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await group(api, a, [b]);
    const other = await direct(api, a, b);
    const system = (await page(api, a, chat)).messages[0];
    expectProblem(await forward(a.token, chat, system.id, [other]), 400, 'not_forwardable');
  });

  it('a file message is copied: a new file id, a working URL, and deleting one copy leaves the other', async () => {
    const a = await register(api);
    const b = await register(api);
    const c = await register(api);
    const source = await direct(api, a, b);
    const target = await direct(api, b, c);
    const image = await png(500, 250);
    const original = await sendFile(api, a, source, image, 'map.png');
    const filesBefore = storedFiles(server).length;
    const res = await forward(b.token, source, original.id, [target]);
    expectStatus(res, 200);
    const copy = res.body.messages[0];
    expect(copy).toMatchObject({ message_type: 'image', content: 'map.png' });
    expect(copy.file).toMatchObject({ name: 'map.png', size: original.file.size, mime: 'image/png', width: 500, height: 250 });
    expect(copy.file.id).not.toBe(original.file.id);
    expect(copy.file_url).toBe(copy.file.url);
    expect(storedFiles(server).length - filesBefore).toBe(2);
    const got = await download(server, copy.file.url);
    expect(got.status).toBe(200);
    expect(got.bytes.equals((await download(server, original.file.url)).bytes)).toBe(true);
    expect((await download(server, copy.file.thumbnail_url)).status).toBe(200);
    // The copy survives the original's deletion.
    expectStatus(await api.delete(`/api/chats/${source}/messages/${original.id}`, { token: a.token }), 200);
    expect((await download(server, copy.file.url)).status).toBe(200);
    expect((await getMessage(api, c, target, copy.id)).file.url).toMatch(/^\/uploads\/files\//);
  });

  it('403 for forwarding out of a chat I am not in', async () => {
    const a = await register(api);
    const b = await register(api);
    const c = await register(api);
    const ab = await direct(api, a, b);
    const ac = await direct(api, a, c);
    const m = await send(api, a, ab, 'x');
    const res = await forward(c.token, ab, m.id, [ac]);
    expectProblem(res, 403, 'not_a_member');
    expect(res.text).not.toContain('"content"');
    expect(await messageRows(server, ac)).toBe(0);
  });
});
