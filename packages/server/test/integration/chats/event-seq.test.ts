import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../../support/client.js';
import { startServer, type TestServer } from '../../support/server.js';
import { createGroup, lastEventId, messagesOf, registerMany, send, storedEventsAfter } from './helpers.js';

let server: TestServer;
let api: Api;

beforeAll(async () => {
  server = await startServer();
  api = new Api(server.url);
});
afterAll(() => server.close());

describe('every chat event carries the chat seq at that point', () => {
  it('membership, role, update and removal events have seq like message events', async () => {
    const [owner, a, b] = await registerMany(api, 3);
    const chatId = await createGroup(api, owner!, [a!]);
    await send(api, owner!, chatId, 'hello');
    const before = await lastEventId(server);
    await api.post(`/api/chats/${chatId}/participants`, { token: owner!.token, body: { user_ids: [b!.user.id] } });
    await api.post(`/api/chats/${chatId}/admins/${a!.user.id}`, { token: owner!.token });
    await api.put(`/api/chats/${chatId}/group`, { token: owner!.token, body: { description: 'about' } });
    await api.delete(`/api/chats/${chatId}/participants/${b!.user.id}`, { token: owner!.token });
    const events = await storedEventsAfter(server, before);
    const chatEvents = events.filter((e) => e.chat_id === chatId);
    expect(chatEvents.map((e) => e.type)).toEqual(expect.arrayContaining(['member_added', 'chat_updated', 'member_removed', 'chat_removed']));
    for (const event of chatEvents) {
      expect(typeof event.payload.seq, `${event.type} has seq`).toBe('number');
    }
    // The seq never goes back along the log, and matches the chat's messages.
    const seqs = chatEvents.map((e) => e.payload.seq as number);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    const last = (await messagesOf(api, owner!, chatId)).at(-1);
    expect(seqs.at(-1)).toBe(last.seq);
  });
});

describe('read receipts and late joiners', () => {
  it('a member who joined after a message is not one of its readers', async () => {
    const [owner, early, late] = await registerMany(api, 3);
    const chatId = await createGroup(api, owner!, [early!]);
    const old = await send(api, owner!, chatId, 'before the newcomer');
    server.clock.advance(1000);
    await api.post(`/api/chats/${chatId}/participants`, { token: owner!.token, body: { user_ids: [late!.user.id] } });
    const seen = (await api.get(`/api/chats/${chatId}/messages/${old.id}`, { token: owner!.token })).body;
    expect(seen.read_by).not.toContain(late!.user.id);
    expect(seen.status).toBe('sent');
    await api.post(`/api/chats/${chatId}/messages/read-all`, { token: early!.token });
    const read = (await api.get(`/api/chats/${chatId}/messages/${old.id}`, { token: owner!.token })).body;
    expect(read.read_by).toEqual([early!.user.id]);
    expect(read.status).toBe('read');
  });
});
