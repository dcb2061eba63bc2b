import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type Registered } from '../support/client.js';
import { startServer, type TestServer } from '../support/server.js';
import { closeAll, direct, durable, ioSync, openIo, openWs, say, SseClient, users, type WsClient } from './helpers.js';

// Pruning affects the whole log, so these tests have a server of their own.
let server: TestServer;
let api: Api;
let me: Registered;
let a: Registered;
let chat: string;
/** A cursor from before the pruned edge. */
let oldCursor: number;
/** The seq of a message whose event was pruned. */
let oldSeq: number;
/** The newest pruned id. */
let edge: number;

beforeAll(async () => {
  server = await startServer();
  api = new Api(server.url);
  [me, a] = await users(api, 2);
  chat = await direct(api, a, me);
  const first = await say(api, a, chat, 'old one');
  oldSeq = first.seq;
  oldCursor = await server.services.events.newestId();
  await say(api, a, chat, 'old two');
  server.clock.advance(60 * 60_000);
  const deleted = await server.services.events.prune(server.clock.now());
  expect(deleted).toBeGreaterThan(0);
  edge = (await server.services.events.prunedThrough()).id;
  expect(edge).toBeGreaterThan(oldCursor);
  expect(await server.services.events.oldestId()).toBeNull();
});
afterAll(() => server.close());

async function expectLiveAfter(client: WsClient): Promise<void> {
  const sent = await say(api, a, chat, `live ${Math.random()}`);
  await client.next('new_message', (f) => f.message.id === sent.id);
}

describe('a resume point older than the pruned log → reset, then live', () => {
  it('{type:"resume", cursor}', async () => {
    const client = await openWs(server, '/ws', { token: me.token });
    client.send({ type: 'resume', cursor: String(oldCursor) });
    const reset = await client.next('reset');
    expect(typeof reset.reason).toBe('string');
    expect(reset.cursor).toBeUndefined();
    await expectLiveAfter(client);
    expect(durable(client.frames).every((f) => Number(f.cursor) > edge)).toBe(true);
    await closeAll(client);
  });

  it('{type:"resume", since} with a seq whose event was pruned', async () => {
    const client = await openWs(server, '/ws', { token: me.token });
    client.send({ type: 'resume', since: { [chat]: oldSeq } });
    await client.next('reset');
    await expectLiveAfter(client);
    await closeAll(client);
  });

  it('{type:"resume", since:{}} (nothing known) once the log was pruned', async () => {
    const client = await openWs(server, '/ws', { token: me.token });
    client.send({ type: 'resume', since: {} });
    await client.next('reset');
    await closeAll(client);
  });

  it('ws ?cursor=', async () => {
    const client = await openWs(server, '/ws', { token: me.token, query: { cursor: String(oldCursor) } });
    await client.next('reset');
    await expectLiveAfter(client);
    await closeAll(client);
  });

  it('the pruned edge itself is still a valid point: no reset', async () => {
    const after = await say(api, a, chat, 'after the prune');
    const client = await openWs(server, '/ws', { token: me.token });
    client.send({ type: 'resume', cursor: String(edge) });
    await client.next('new_message', (f) => f.message.id === after.id);
    await client.sync();
    expect(client.ofType('reset')).toEqual([]);
    await closeAll(client);
  });

  it('SSE Last-Event-ID → one reset event', async () => {
    const stream = await SseClient.open(`${server.url}/api/events?token=${encodeURIComponent(me.token)}`, { 'last-event-id': String(oldCursor) });
    const reset = await stream.next((e) => e.event === 'reset');
    expect(reset.id).toBeUndefined();
    const sent = await say(api, a, chat, 'live after reset (sse)');
    await stream.next((e) => e.json?.message?.id === sent.id);
    expect(stream.events.filter((e) => e.event === 'reset')).toHaveLength(1);
    stream.close();
  });

  it('long poll → reset:true and the cursor to continue from', async () => {
    const res = await api.get(`/api/sync?cursor=${oldCursor}&timeout=1`, { token: me.token });
    expect(res.status).toBe(200);
    expect(res.body.reset).toBe(true);
    expect(res.body.events).toEqual([]);
    expect(res.body.cursor).toBe(String(await server.services.events.newestId()));
    const next = await api.get(`/api/sync?cursor=${res.body.cursor}&timeout=1`, { token: me.token });
    expect(next.body.reset).toBe(false);
  });

  it('Socket.io auth.cursor → reset event', async () => {
    const client = await openIo(server, { auth: { token: me.token, cursor: String(oldCursor) } });
    expect(client.connectError).toBeNull();
    await client.next('reset');
    await ioSync(client);
    client.close();
  });
});
