import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';
import { chatOf, createGroup, expectChatShape, listChats, openDirect, registerMany, send, UNKNOWN_ID } from './helpers.js';

let server: TestServer;
let api: Api;

beforeAll(async () => {
  server = await startServer();
  api = new Api(server.url);
});
afterAll(() => server.close());

describe('archive', () => {
  it('archiving moves the chat from /api/chats to /api/chats/archived, for me only', async () => {
    const [me, other] = await registerMany(api, 2);
    const chatId = await openDirect(api, me!, other!.username);
    const keep = await createGroup(api, other!, [me!]);
    const res = await api.post(`/api/chats/${chatId}/archive`, { token: me!.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'archived' });

    expect((await listChats(api, me!)).map((c) => c.id)).toEqual([keep]);
    const archived = await listChats(api, me!, true);
    expect(archived.map((c) => c.id)).toEqual([chatId]);
    expectChatShape(archived[0]);
    expect(archived[0].is_archived).toBe(true);
    expect((await chatOf(api, me!, chatId)).is_archived).toBe(true);

    // The other member is not affected.
    expect((await listChats(api, other!)).map((c) => c.id).sort()).toEqual([chatId, keep].sort());
    expect(await listChats(api, other!, true)).toEqual([]);
    expect((await chatOf(api, other!, chatId)).is_archived).toBe(false);

    // An archived chat still works.
    await send(api, other!, chatId, 'are you there?');
    expect((await chatOf(api, me!, chatId)).unread_count).toBe(1);
  });

  it('archiving twice is fine; unarchiving brings it back', async () => {
    const [me, other] = await registerMany(api, 2);
    const chatId = await openDirect(api, me!, other!.username);
    await api.post(`/api/chats/${chatId}/archive`, { token: me!.token });
    expect((await api.post(`/api/chats/${chatId}/archive`, { token: me!.token })).status).toBe(200);
    expect((await listChats(api, me!, true)).map((c) => c.id)).toEqual([chatId]);
    const res = await api.post(`/api/chats/${chatId}/unarchive`, { token: me!.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'unarchived' });
    expect(await listChats(api, me!, true)).toEqual([]);
    expect((await listChats(api, me!)).map((c) => c.id)).toEqual([chatId]);
    expect((await chatOf(api, me!, chatId)).is_archived).toBe(false);
    expect((await api.post(`/api/chats/${chatId}/unarchive`, { token: me!.token })).status).toBe(200);
  });

  it('archived chats are sorted by activity too', async () => {
    const [me, x, y] = await registerMany(api, 3);
    const cx = await openDirect(api, me!, x!.username);
    server.clock.advance(1000);
    const cy = await openDirect(api, me!, y!.username);
    await api.post(`/api/chats/${cx}/archive`, { token: me!.token });
    await api.post(`/api/chats/${cy}/archive`, { token: me!.token });
    expect((await listChats(api, me!, true)).map((c) => c.id)).toEqual([cy, cx]);
    server.clock.advance(1000);
    await send(api, x!, cx, 'hello');
    expect((await listChats(api, me!, true)).map((c) => c.id)).toEqual([cx, cy]);
  });

  it('403 not_a_member, 404 chat_not_found, 401 without a token', async () => {
    const [me, a, b] = await registerMany(api, 3);
    const chatId = await openDirect(api, a!, b!.username);
    expectProblem(await api.post(`/api/chats/${chatId}/archive`, { token: me!.token }), 403, 'not_a_member');
    expectProblem(await api.post(`/api/chats/${chatId}/unarchive`, { token: me!.token }), 403, 'not_a_member');
    expectProblem(await api.post(`/api/chats/${UNKNOWN_ID}/archive`, { token: me!.token }), 404, 'chat_not_found');
    expectProblem(await api.post(`/api/chats/${chatId}/archive`), 401, 'not_authenticated');
    expectProblem(await api.get('/api/chats/archived'), 401, 'not_authenticated');
    expect(await listChats(api, a!, true)).toEqual([]);
  });
});

describe('mute', () => {
  it('with no body: muted until unmuted (muted_until null)', async () => {
    const [me, other] = await registerMany(api, 2);
    const chatId = await openDirect(api, me!, other!.username);
    const res = await api.post(`/api/chats/${chatId}/mute`, { token: me!.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'muted', muted_until: null });
    expect(await chatOf(api, me!, chatId)).toMatchObject({ is_muted: true, muted_until: null });
    expect((await chatOf(api, other!, chatId)).is_muted).toBe(false);
    // Still muted much later (within the access token's lifetime).
    server.clock.advance(20 * 3600_000);
    expect((await chatOf(api, me!, chatId)).is_muted).toBe(true);
    expect((await listChats(api, me!)).find((c) => c.id === chatId).is_muted).toBe(true);

    const un = await api.post(`/api/chats/${chatId}/unmute`, { token: me!.token });
    expect(un.status).toBe(200);
    expect(un.body).toEqual({ status: 'unmuted' });
    expect(await chatOf(api, me!, chatId)).toMatchObject({ is_muted: false, muted_until: null });
    expect((await api.post(`/api/chats/${chatId}/unmute`, { token: me!.token })).status).toBe(200);
  });

  it('{duration_seconds}: muted until now + duration, then unmuted by time alone', async () => {
    const [me, other] = await registerMany(api, 2);
    const chatId = await openDirect(api, me!, other!.username);
    const expected = new Date(server.clock.now() + 3600_000).toISOString();
    const res = await api.post(`/api/chats/${chatId}/mute`, { token: me!.token, body: { duration_seconds: 3600 } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'muted', muted_until: expected });
    expect(await chatOf(api, me!, chatId)).toMatchObject({ is_muted: true, muted_until: expected });
    server.clock.advance(3599_000);
    expect((await chatOf(api, me!, chatId)).is_muted).toBe(true);
    server.clock.advance(2000);
    expect(await chatOf(api, me!, chatId)).toMatchObject({ is_muted: false, muted_until: null });
  });

  it('{until}: muted until that time', async () => {
    const [me, other] = await registerMany(api, 2);
    const chatId = await createGroup(api, other!, [me!]);
    const until = new Date(server.clock.now() + 2 * 3600_000).toISOString();
    const res = await api.post(`/api/chats/${chatId}/mute`, { token: me!.token, body: { until } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'muted', muted_until: until });
    expect(await chatOf(api, me!, chatId)).toMatchObject({ is_muted: true, muted_until: until });
    server.clock.advance(2 * 3600_000 + 1);
    expect((await chatOf(api, me!, chatId)).is_muted).toBe(false);
  });

  it('muting again replaces the previous mute; unmute ends a timed mute early', async () => {
    const [me, other] = await registerMany(api, 2);
    const chatId = await openDirect(api, me!, other!.username);
    await api.post(`/api/chats/${chatId}/mute`, { token: me!.token });
    const res = await api.post(`/api/chats/${chatId}/mute`, { token: me!.token, body: { duration_seconds: 60 } });
    expect(res.body.muted_until).toBe(new Date(server.clock.now() + 60_000).toISOString());
    server.clock.advance(61_000);
    expect((await chatOf(api, me!, chatId)).is_muted).toBe(false);
    await api.post(`/api/chats/${chatId}/mute`, { token: me!.token, body: { duration_seconds: 600 } });
    await api.post(`/api/chats/${chatId}/unmute`, { token: me!.token });
    expect((await chatOf(api, me!, chatId)).is_muted).toBe(false);
  });

  it('400 for a bad duration, a bad or past until', async () => {
    const [me, other] = await registerMany(api, 2);
    const chatId = await openDirect(api, me!, other!.username);
    for (const body of [{ duration_seconds: 0 }, { duration_seconds: -5 }, { duration_seconds: 'soon' }, { until: 'tomorrow' }]) {
      expectProblem(await api.post(`/api/chats/${chatId}/mute`, { token: me!.token, body }), 400, 'validation_failed');
    }
    const past = new Date(server.clock.now() - 60_000).toISOString();
    expectProblem(await api.post(`/api/chats/${chatId}/mute`, { token: me!.token, body: { until: past } }), 400, 'validation_failed');
    expect((await chatOf(api, me!, chatId)).is_muted).toBe(false);
  });

  it('403 not_a_member, 404 chat_not_found', async () => {
    const [me, a, b] = await registerMany(api, 3);
    const chatId = await openDirect(api, a!, b!.username);
    expectProblem(await api.post(`/api/chats/${chatId}/mute`, { token: me!.token }), 403, 'not_a_member');
    expectProblem(await api.post(`/api/chats/${chatId}/unmute`, { token: me!.token }), 403, 'not_a_member');
    expectProblem(await api.post(`/api/chats/${UNKNOWN_ID}/mute`, { token: me!.token }), 404, 'chat_not_found');
  });
});
