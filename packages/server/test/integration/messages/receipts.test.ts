import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, register, type Registered } from '../../support/client.js';
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

async function unread(who: Registered, chatId: string): Promise<number> {
  const res = await api.get('/api/chats', { token: who.token });
  expectStatus(res, 200);
  return res.body.find((c: { id: string }) => c.id === chatId).unread_count;
}

function readOne(who: Registered, chatId: string, messageId: string) {
  return api.post(`/api/chats/${chatId}/messages/${messageId}/read`, { token: who.token });
}

function readAll(who: Registered, chatId: string) {
  return api.post(`/api/chats/${chatId}/messages/read-all`, { token: who.token });
}

describe('receipts', () => {
  it('status for the sender: sent → delivered (the recipient fetched) → read (the recipient read)', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const m = await send(api, a, chat, 'are you there?');
    expect(m).toMatchObject({ status: 'sent', read_by: [] });
    expect((await getMessage(api, a, chat, m.id)).status).toBe('sent');
    // b's client fetches the history: the message is delivered.
    await page(api, b, chat);
    expect(await getMessage(api, a, chat, m.id)).toMatchObject({ status: 'delivered', read_by: [] });
    // b reads it.
    const res = await readOne(b, chat, m.id);
    expectStatus(res, 200);
    expect(res.body).toEqual({ status: 'read' });
    expect(await getMessage(api, a, chat, m.id)).toMatchObject({ status: 'read', read_by: [b.user.id] });
  });

  it('my own reading does not make my message read', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const m = await send(api, a, chat, 'x');
    expectStatus(await readOne(a, chat, m.id), 200);
    await page(api, a, chat);
    expect(await getMessage(api, a, chat, m.id)).toMatchObject({ status: 'sent', read_by: [] });
  });

  it('reading a message marks it and everything before it read, and nothing after', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const sent = [];
    for (let i = 1; i <= 5; i += 1) {
      sent.push(await send(api, a, chat, `m${i}`));
    }
    expect(await unread(b, chat)).toBe(5);
    expectStatus(await readOne(b, chat, sent[2].id), 200);
    expect(await unread(b, chat)).toBe(2);
    const list = await page(api, a, chat);
    expect(list.messages.map((m: { status: string }) => m.status)).toEqual(['read', 'read', 'read', 'sent', 'sent']);
    expect(list.messages.map((m: { read_by: string[] }) => m.read_by)).toEqual([[b.user.id], [b.user.id], [b.user.id], [], []]);
    // Reading an older message does not move the pointer back.
    expectStatus(await readOne(b, chat, sent[0].id), 200);
    expect(await unread(b, chat)).toBe(2);
  });

  it('read-all answers {status: "success", updated_count} counting only the others’ unread messages', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    for (let i = 0; i < 3; i += 1) {
      await send(api, a, chat, `from a ${i}`);
    }
    expect(await unread(b, chat)).toBe(3);
    const res = await readAll(b, chat);
    expectStatus(res, 200);
    expect(res.body).toEqual({ status: 'success', updated_count: 3 });
    expect(await unread(b, chat)).toBe(0);
    // Nothing new: 0.
    expect((await readAll(b, chat)).body).toEqual({ status: 'success', updated_count: 0 });
    // My own messages never count.
    await send(api, b, chat, 'mine');
    await send(api, b, chat, 'mine too');
    expect((await readAll(b, chat)).body.updated_count).toBe(0);
    // Partly read: only the rest count.
    const n1 = await send(api, a, chat, 'n1');
    await send(api, a, chat, 'n2');
    await send(api, a, chat, 'n3');
    expectStatus(await readOne(b, chat, n1.id), 200);
    expect((await readAll(b, chat)).body.updated_count).toBe(2);
  });

  it('read-all in an empty chat is 0', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    expect((await readAll(b, chat)).body).toEqual({ status: 'success', updated_count: 0 });
  });

  it('sending counts as having read everything before', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    await send(api, a, chat, 'question');
    expect(await unread(b, chat)).toBe(1);
    await send(api, b, chat, 'answer');
    expect(await unread(b, chat)).toBe(0);
    expect(await unread(a, chat)).toBe(1);
  });

  it('in a group, read_by lists every reader and status is read once anyone read', async () => {
    const owner = await register(api);
    const m1 = await register(api);
    const m2 = await register(api);
    const chat = await group(api, owner, [m1, m2]);
    const msg = await send(api, owner, chat, 'hello all');
    expect(msg.status).toBe('sent');
    await page(api, m1, chat);
    expect((await getMessage(api, owner, chat, msg.id)).status).toBe('delivered');
    expectStatus(await readOne(m2, chat, msg.id), 200);
    expect(await getMessage(api, owner, chat, msg.id)).toMatchObject({ status: 'read', read_by: [m2.user.id] });
    expectStatus(await readAll(m1, chat), 200);
    const seen = await getMessage(api, owner, chat, msg.id);
    expect([...seen.read_by].sort()).toEqual([m1.user.id, m2.user.id].sort());
  });

  it('fetching an older page does not undo delivered', async () => {
    const a = await register(api);
    const b = await register(api);
    const chat = await direct(api, a, b);
    const first = await send(api, a, chat, 'one');
    const second = await send(api, a, chat, 'two');
    await page(api, b, chat);
    await page(api, b, chat, 'before_seq=2');
    expect((await getMessage(api, a, chat, first.id)).status).toBe('delivered');
    expect((await getMessage(api, a, chat, second.id)).status).toBe('delivered');
  });

  it('404 message_not_found for reading a message of another chat; 403 for a chat I am not in', async () => {
    const a = await register(api);
    const b = await register(api);
    const c = await register(api);
    const ab = await direct(api, a, b);
    const bc = await direct(api, b, c);
    const m = await send(api, b, bc, 'x');
    expectProblem(await readOne(a, ab, m.id), 404, 'message_not_found');
    expectProblem(await readOne(a, ab, UNKNOWN_ID), 404, 'message_not_found');
    expectProblem(await readOne(a, bc, m.id), 403, 'not_a_member');
    expectProblem(await readAll(a, bc), 403, 'not_a_member');
    expectProblem(await readAll(a, UNKNOWN_ID), 404, 'chat_not_found');
    expect((await getMessage(api, b, bc, m.id)).status).toBe('sent');
  });
});
