import { MajlisClient, type SendMessageBody } from 'majlis-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { people, pngBlob, startServer, type TestServer } from './helpers.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

async function direct() {
  const [a, b] = await people(server, 2);
  const { chat_id } = await a.client.chats.openDirect({ user_id: b.user.id });
  return { a, b, chatId: chat_id };
}

describe('messages', () => {
  it('send sets a client_id on the body; sending the same object again returns the original', async () => {
    const { a, chatId } = await direct();
    const body: SendMessageBody = { content: 'سلام، خوبی؟' };
    const first = await a.client.messages.send(chatId, body);
    expect(body.client_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(first).toMatchObject({ chat_id: chatId, seq: 1, content: 'سلام، خوبی؟', client_id: body.client_id, sender_id: a.user.id });
    const again = await a.client.messages.send(chatId, body);
    expect(again.id).toBe(first.id);
    const plain = await a.client.messages.send(chatId, 'plain string');
    expect(plain.seq).toBe(2);
    expect(plain.client_id).not.toBeNull();
    expect((await a.client.messages.list(chatId)).total).toBe(2);
  });

  it('send retries a network failure with the same client_id: one message', async () => {
    const { a, chatId } = await direct();
    let calls = 0;
    const bodies: string[] = [];
    // A fetch whose first answer is lost after the server stored the message.
    const flaky: typeof fetch = async (input, init) => {
      calls += 1;
      if (typeof init?.body === 'string') {
        bodies.push(init.body);
      }
      const res = await fetch(input, init);
      if (calls === 1) {
        throw new TypeError('fetch failed');
      }
      return res;
    };
    const c = new MajlisClient({ baseUrl: server.url, fetch: flaky, tokens: a.client.session.tokens! });
    const message = await c.messages.send(chatId, { content: 'once' });
    expect(calls).toBe(2);
    expect(new Set(bodies).size).toBe(1);
    const page = await a.client.messages.list(chatId);
    expect(page.messages.filter((m) => m.content === 'once').map((m) => m.id)).toEqual([message.id]);
  });

  it('list: skip/limit from the newest, and before_seq/after_seq cursors', async () => {
    const { a, chatId } = await direct();
    for (let i = 1; i <= 7; i += 1) {
      await a.client.messages.send(chatId, `m${i}`);
    }
    const newest = await a.client.messages.list(chatId, { limit: 3 });
    expect(newest.messages.map((m) => m.content)).toEqual(['m5', 'm6', 'm7']);
    expect(newest).toMatchObject({ total: 7, has_more: true, skip: 0, limit: 3 });
    const skipped = await a.client.messages.list(chatId, { limit: 3, skip: 3 });
    expect(skipped.messages.map((m) => m.content)).toEqual(['m2', 'm3', 'm4']);
    const before = await a.client.messages.list(chatId, { before_seq: 3, limit: 10 });
    expect(before.messages.map((m) => m.seq)).toEqual([1, 2]);
    expect(before.has_more).toBe(false);
    const after = await a.client.messages.list(chatId, { after_seq: 5, limit: 10 });
    expect(after.messages.map((m) => m.seq)).toEqual([6, 7]);
    expect((await a.client.messages.get(chatId, newest.messages[0]!.id)).content).toBe('m5');
  });

  it('sendFile sends multipart with a caption and is exactly-once too', async () => {
    const { a, b, chatId } = await direct();
    const options = { filename: 'photo.png', content: 'a photo' };
    const image = await pngBlob(32, 24);
    const sent = await a.client.messages.sendFile(chatId, image, options);
    expect(sent).toMatchObject({ message_type: 'image', content: 'a photo' });
    expect(sent.file).toMatchObject({ name: 'photo.png', mime: 'image/png', width: 32, height: 24 });
    expect(sent.file_url).toBe(sent.file?.url);
    const again = await a.client.messages.sendFile(chatId, image, options);
    expect(again.id).toBe(sent.id);
    const reply = await b.client.messages.sendFile(chatId, new Blob(['hello, file'], { type: 'text/plain' }), { filename: 'notes.txt', reply_to: sent.id });
    expect(reply).toMatchObject({ message_type: 'file', content: 'notes.txt', reply_to: sent.id });
  });

  it('edit, history, delete', async () => {
    const { a, b, chatId } = await direct();
    const m = await a.client.messages.send(chatId, 'first');
    const edited = await a.client.messages.edit(chatId, m.id, 'second');
    expect(edited.content).toBe('second');
    expect(edited.edited_at).not.toBeNull();
    const history = await b.client.messages.history(chatId, m.id);
    expect(history).toEqual([{ content: 'first', edited_at: expect.any(String) }]);
    await expect(b.client.messages.edit(chatId, m.id, 'nope')).rejects.toMatchObject({ status: 403, code: 'not_sender' });
    expect(await a.client.messages.delete(chatId, m.id)).toEqual({ status: 'deleted' });
    expect(await a.client.messages.get(chatId, m.id)).toMatchObject({ is_deleted: true, content: null });
    const other = await b.client.messages.send(chatId, 'hide me');
    await a.client.messages.delete(chatId, other.id, { for: 'me' });
    expect((await a.client.messages.list(chatId)).messages.map((x) => x.id)).not.toContain(other.id);
    expect((await b.client.messages.list(chatId)).messages.map((x) => x.id)).toContain(other.id);
  });

  it('react toggles', async () => {
    const { a, b, chatId } = await direct();
    const m = await a.client.messages.send(chatId, 'react to me');
    expect(await b.client.messages.react(chatId, m.id, '👍')).toEqual({ status: 'reacted', reactions: { '👍': [b.user.id] } });
    expect(await b.client.messages.react(chatId, m.id, '👍')).toEqual({ status: 'unreacted', reactions: {} });
  });

  it('forward into other chats', async () => {
    const { a, b, chatId } = await direct();
    const { chat_id: group } = await a.client.chats.createGroup({ name: 'Fwd', participant_ids: [b.user.id] });
    const m = await a.client.messages.send(chatId, 'pass it on');
    const res = await a.client.messages.forward(chatId, m.id, [group]);
    expect(res).toMatchObject({ status: 'forwarded', forwarded_to: 1 });
    expect(res.messages[0]).toMatchObject({ chat_id: group, content: 'pass it on', forwarded_from: { message_id: m.id, chat_id: chatId } });
  });

  it('read and readAll move my unread count', async () => {
    const { a, b, chatId } = await direct();
    const m1 = await a.client.messages.send(chatId, 'one');
    await a.client.messages.send(chatId, 'two');
    await a.client.messages.send(chatId, 'three');
    expect((await b.client.chats.get(chatId)).unread_count).toBe(3);
    expect(await b.client.messages.read(chatId, m1.id)).toEqual({ status: 'read' });
    expect((await b.client.chats.get(chatId)).unread_count).toBe(2);
    expect((await a.client.messages.get(chatId, m1.id)).read_by).toEqual([b.user.id]);
    expect(await b.client.messages.readAll(chatId)).toEqual({ status: 'success', updated_count: 2 });
    expect((await b.client.chats.get(chatId)).unread_count).toBe(0);
  });

  it('search in a chat and across chats (Persian finds Arabic)', async () => {
    const { a, b, chatId } = await direct();
    const tag = `zq${Math.random().toString(36).slice(2, 8)}`;
    await a.client.messages.send(chatId, `این ${tag} كتاب است`);
    await a.client.messages.send(chatId, 'nothing here');
    const inChat = await b.client.messages.search(chatId, 'کتاب');
    expect(inChat.map((m) => m.content)).toEqual([`این ${tag} كتاب است`]);
    const everywhere = await b.client.messages.searchAll(tag, { limit: 5 });
    expect(everywhere.map((m) => m.chat_id)).toEqual([chatId]);
  });
});
