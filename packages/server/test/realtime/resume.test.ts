import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Api, type Registered } from '../support/client.js';
import { startServer, type TestServer } from '../support/server.js';
import {
  addMember,
  clientId,
  CURSOR_ORDER_GUARANTEED,
  closeAll,
  direct,
  durable,
  expectCursorOrder,
  type Frame,
  group,
  history,
  live,
  newestEventId,
  ok,
  openWs,
  quiet,
  removeMember,
  say,
  SseClient,
  type SseEvent,
  until,
  users,
  visibleEventIds,
  type WsClient,
} from './helpers.js';

let server: TestServer;
let api: Api;

beforeAll(async () => {
  server = await startServer();
  api = new Api(server.url);
});
afterAll(() => server.close());

const open: WsClient[] = [];
const streams: SseClient[] = [];
afterEach(async () => {
  await closeAll(...open.splice(0));
  for (const s of streams.splice(0)) {
    s.close();
  }
});

interface World {
  me: Registered;
  a: Registered;
  b: Registered;
  c: Registered;
  /** direct chat a–me */
  d: string;
  /** group of a (owner), me, b */
  g: string;
}

async function world(): Promise<World> {
  const [me, a, b, c] = (await users(api, 4));
  const d = await direct(api, a, me);
  const g = await group(api, a, [me, b]);
  return { me: me, a: a, b: b, c: c, d, g };
}

/**
 * `me` is connected and up to date, then goes away: returns the highest cursor it had applied
 * and, per chat, the last message seq it had and that message's cursor.
 */
async function goAway(w: World): Promise<{ cursor: number; since: Record<string, number>; startOf: Record<string, number> }> {
  const client = await live(server, w.me);
  const inD = await say(api, w.a, w.d, 'before: d');
  const inG = await say(api, w.b, w.g, 'before: g');
  await client.next('new_message', (f) => f.message.id === inD.id);
  await client.next('new_message', (f) => f.message.id === inG.id);
  await quiet(); // let the delivered receipts of those come in too
  await client.sync();
  client.close();
  await client.waitClose();
  const cursors = durable(client.frames).map((f) => Number(f.cursor));
  const last = (chatId: string) => client.frames.filter((f) => f.type === 'new_message' && f.chat_id === chatId).at(-1) as Frame;
  return {
    cursor: Math.max(...cursors),
    since: { [w.d]: last(w.d).seq, [w.g]: last(w.g).seq },
    startOf: { [w.d]: Number(last(w.d).cursor), [w.g]: Number(last(w.g).cursor) },
  };
}

/** 50+ changes `me` misses: messages, an edit, a delete, a reaction, a read, a member added and removed. */
async function missedChanges(w: World): Promise<{ messageIds: string[]; edited: string; deleted: string; reacted: string; read: string }> {
  const messageIds: string[] = [];
  for (let i = 0; i < 22; i += 1) {
    messageIds.push((await say(api, w.a, w.d, `away d ${i}`)).id);
    messageIds.push((await say(api, w.b, w.g, `away g ${i}`)).id);
  }
  const [edited, deleted, reacted, read] = [0, 3, 5, 7].map((i) => messageIds[i] as string) as [string, string, string, string];
  ok(await api.put(`/api/chats/${w.d}/messages/${edited}`, { token: w.a.token, body: { content: 'away d 0 (edited)' } }));
  ok(await api.delete(`/api/chats/${w.g}/messages/${deleted}`, { token: w.b.token }));
  ok(await api.post(`/api/chats/${w.g}/messages/${reacted}/react`, { token: w.a.token, body: { emoji: '🎉' } }));
  ok(await api.post(`/api/chats/${w.g}/messages/${read}/read`, { token: w.a.token }));
  await addMember(api, w.a, w.g, w.c);
  messageIds.push((await say(api, w.c, w.g, 'hello from c')).id);
  await removeMember(api, w.a, w.g, w.c);
  return { messageIds, edited, deleted, reacted, read };
}

/** Sends `n` messages in the two chats while the resume runs; returns their ids. */
async function concurrently(w: World, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 1) {
    ids.push((await say(api, i % 2 ? w.a : w.b, i % 2 ? w.d : w.g, `during ${i}`)).id);
  }
  return ids;
}

/**
 * Waits until `client` has every event of the log it should have (after `after`, or per chat
 * after `startOf`) and then checks: each exactly once, in cursor order, nothing else durable.
 */
async function expectExactlyTheLog(client: { frames: Frame[] }, userId: string, after: number, startOf: Record<string, number> = {}): Promise<number[]> {
  let expected: number[] = [];
  await until(async () => {
    expected = await visibleEventIds(server, userId, after, startOf);
    const got = new Set(durable(client.frames).map((f) => Number(f.cursor)));
    return expected.every((id) => got.has(id));
  }, 'the client to receive every event of the log');
  await quiet();
  expected = await visibleEventIds(server, userId, after, startOf);
  expectCursorOrder(client.frames);
  const got = durable(client.frames).map((f) => Number(f.cursor));
  expect(CURSOR_ORDER_GUARANTEED ? got : [...got].sort((x, y) => x - y)).toEqual(expected);
  return expected;
}

function expectEachMessageOnce(frames: Frame[], ids: string[]): void {
  for (const id of ids) {
    expect(frames.filter((f) => f.type === 'new_message' && f.message.id === id), `new_message ${id}`).toHaveLength(1);
  }
}

function expectTheChanges(frames: Frame[], w: World, changes: Awaited<ReturnType<typeof missedChanges>>): void {
  expectEachMessageOnce(frames, changes.messageIds);
  const one = (pred: (f: Frame) => boolean, what: string) => expect(frames.filter(pred), what).toHaveLength(1);
  one((f) => f.type === 'message_edited' && f.message.id === changes.edited, 'the edit');
  one((f) => f.type === 'message_deleted' && f.message_id === changes.deleted, 'the delete');
  one((f) => f.type === 'message_reaction' && f.message_id === changes.reacted, 'the reaction');
  one((f) => f.type === 'message_status' && f.status === 'read' && f.message_id === changes.read, 'the read');
  one((f) => f.type === 'member_added' && f.chat_id === w.g && f.user_ids.includes(w.c.user.id), 'member_added');
  one((f) => f.type === 'member_removed' && f.chat_id === w.g && f.user_id === w.c.user.id, 'member_removed');
}

/** After a resume: a new message still arrives live, once, with a higher cursor. */
async function expectLiveContinues(client: WsClient, w: World): Promise<void> {
  const before = Math.max(...durable(client.frames).map((f) => Number(f.cursor)));
  const sent = await say(api, w.a, w.d, 'after the resume');
  const f = await client.next('new_message', (x) => x.message.id === sent.id);
  expect(Number(f.cursor)).toBeGreaterThan(before);
  await client.sync();
  expect(client.all((x) => x.type === 'new_message' && x.message.id === sent.id)).toHaveLength(1);
}

describe('resume with {type:"resume", cursor}', () => {
  it('replays 50+ missed changes once each in cursor order, then live with no gap and no duplicate', async () => {
    const w = await world();
    const { cursor } = await goAway(w);
    const changes = await missedChanges(w);
    expect((await visibleEventIds(server, w.me.user.id, cursor)).length).toBeGreaterThanOrEqual(50);

    const client = await openWs(server, '/ws', { token: w.me.token });
    open.push(client);
    const during = concurrently(w, 20);
    client.send({ type: 'resume', cursor: String(cursor) });
    const liveIds = await during;

    await expectExactlyTheLog(client, w.me.user.id, cursor);
    expectTheChanges(client.frames, w, changes);
    expectEachMessageOnce(client.frames, liveIds);
    await expectLiveContinues(client, w);
  });

  it('frames sent right after resume (while it replays) change nothing', async () => {
    const w = await world();
    const { cursor } = await goAway(w);
    const changes = await missedChanges(w);
    const client = await openWs(server, '/ws', { token: w.me.token });
    open.push(client);
    const during = concurrently(w, 20);
    client.send({ type: 'resume', cursor: String(cursor) });
    const mine: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const id = clientId();
      mine.push(id);
      client.send({ type: 'send', chat_id: w.d, content: `mine ${i}`, client_id: id });
      client.send({ type: 'ping' });
      await new Promise((r) => setTimeout(r, 3));
    }
    const liveIds = await during;
    const acks = await client.count((f) => f.type === 'ack', 10);
    expect(acks.map((f) => f.client_id)).toEqual(mine);

    await expectExactlyTheLog(client, w.me.user.id, cursor);
    expectTheChanges(client.frames, w, changes);
    expectEachMessageOnce(client.frames, [...liveIds, ...acks.map((f) => f.message.id)]);
  });

  it('a replay of several pages, with frames and live events during it: complete, once each, in order', async () => {
    const w = await world();
    const { cursor } = await goAway(w);
    const ids: string[] = [];
    for (let i = 0; i < 1100; i += 20) {
      const batch = await Promise.all(Array.from({ length: 20 }, (_, j) => say(api, w.a, w.d, `bulk ${i + j}`)));
      ids.push(...batch.map((m) => m.id));
    }
    let stop = false;
    const liveIds: string[] = [];
    const during = (async () => {
      for (let n = 0; !stop; n += 1) {
        liveIds.push((await say(api, w.b, w.g, `during ${n}`)).id);
      }
    })();
    const client = await openWs(server, '/ws', { token: w.me.token });
    open.push(client);
    await new Promise((r) => setTimeout(r, 30)); // registered and holding live events
    client.send({ type: 'resume', cursor: String(cursor) });
    // frames (each of which ends the hold) while the replay runs
    for (let i = 0; i < 30; i += 1) {
      client.send({ type: 'ping' });
      await new Promise((r) => setTimeout(r, 2));
    }
    await new Promise((r) => setTimeout(r, 200));
    stop = true;
    await during;
    await expectExactlyTheLog(client, w.me.user.id, cursor);
    expectEachMessageOnce(client.frames, [...ids, ...liveIds]);
  }, 60_000);

  it('the client was added to a new chat while away: member_added and what follows arrive', async () => {
    const w = await world();
    const { cursor } = await goAway(w);
    const g2 = await group(api, w.a, [w.b], 'Started without me');
    const early = await say(api, w.b, g2, 'before you came');
    await addMember(api, w.a, g2, w.me);
    const afterAdd = [await say(api, w.a, g2, 'welcome'), await say(api, w.b, g2, 'hi')];

    const client = await openWs(server, '/ws', { token: w.me.token });
    open.push(client);
    client.send({ type: 'resume', cursor: String(cursor) });
    await expectExactlyTheLog(client, w.me.user.id, cursor);
    const added = client.all((f) => f.type === 'member_added' && f.chat_id === g2);
    expect(added).toHaveLength(1);
    expect(added[0]?.user_ids).toContain(w.me.user.id);
    expectEachMessageOnce(client.frames, afterAdd.map((m) => m.id));
    // (the chat's earlier events are replayed too: the member sees the history, as over REST)
    expect(client.all((f) => f.type === 'new_message' && f.message.id === early.id).length).toBeLessThanOrEqual(1);
    // and the new chat is live on this socket
    const next = await say(api, w.b, g2, 'live in the new chat');
    await client.next('new_message', (f) => f.message.id === next.id);
  });

  it('removed from a chat while away: chat_removed arrives, nothing of that chat after it', async () => {
    const w = await world();
    const { cursor } = await goAway(w);
    await removeMember(api, w.a, w.g, w.me);
    await say(api, w.a, w.g, 'you are gone');
    const client = await openWs(server, '/ws', { token: w.me.token });
    open.push(client);
    client.send({ type: 'resume', cursor: String(cursor) });
    await expectExactlyTheLog(client, w.me.user.id, cursor);
    const removed = client.all((f) => f.type === 'chat_removed' && f.chat_id === w.g);
    expect(removed).toHaveLength(1);
    expect(removed[0]?.reason).toBe('removed');
    expect(client.all((f) => f.chat_id === w.g && f.type === 'new_message')).toEqual([]);
  });

  it('resuming from the newest cursor replays nothing, live goes on', async () => {
    const w = await world();
    await goAway(w);
    const cursor = await newestEventId(server);
    const client = await openWs(server, '/ws', { token: w.me.token });
    open.push(client);
    client.send({ type: 'resume', cursor: String(cursor) });
    await client.sync();
    expect(durable(client.frames).filter((f) => Number(f.cursor) <= cursor)).toEqual([]);
    await expectLiveContinues(client, w);
  });

  it('a late resume (after live events went out) does not send them again', async () => {
    const w = await world();
    const { cursor } = await goAway(w);
    const missed = await say(api, w.a, w.d, 'missed');
    const client = await live(server, w.me); // the ping ends the hold: live from here
    const seenLive = await say(api, w.b, w.g, 'seen live');
    await client.next('new_message', (f) => f.message.id === seenLive.id);
    client.send({ type: 'resume', cursor: String(cursor) });
    await client.next('new_message', (f) => f.message.id === missed.id);
    await quiet();
    await client.sync();
    expectEachMessageOnce(client.frames, [missed.id, seenLive.id]);
    const cursors = durable(client.frames).map((f) => f.cursor);
    expect(new Set(cursors).size).toBe(cursors.length);
  });
});

describe('resume with {type:"resume", since:{chat_id: seq}}', () => {
  it('replays every change after my seq in each chat, once and in order, then live', async () => {
    const w = await world();
    const { since, startOf } = await goAway(w);
    const changes = await missedChanges(w);
    const client = await openWs(server, '/ws', { token: w.me.token });
    open.push(client);
    const during = concurrently(w, 20);
    client.send({ type: 'resume', since });
    const liveIds = await during;
    await expectExactlyTheLog(client, w.me.user.id, 0, startOf);
    expectTheChanges(client.frames, w, changes);
    expectEachMessageOnce(client.frames, liveIds);
    await expectLiveContinues(client, w);
  });

  it('different points per chat: each chat from its own seq', async () => {
    const w = await world();
    const first = await say(api, w.a, w.d, 'd1');
    const d2 = await say(api, w.a, w.d, 'd2');
    const g1 = await say(api, w.b, w.g, 'g1');
    const d3 = await say(api, w.a, w.d, 'd3');
    const g2 = await say(api, w.b, w.g, 'g2');
    const client = await openWs(server, '/ws', { token: w.me.token });
    open.push(client);
    client.send({ type: 'resume', since: { [w.d]: first.seq, [w.g]: g1.seq } });
    await client.next('new_message', (f) => f.message.id === g2.id);
    await client.sync();
    const messages = client.ofType('new_message').map((f) => f.message.id);
    expect(messages).toEqual([d2.id, d3.id, g2.id]);
    expectCursorOrder(client.frames);
  });

  it('the client was added to a new chat while away (not listed): it arrives too', async () => {
    const w = await world();
    const { since } = await goAway(w);
    const g2 = await group(api, w.a, [w.b], 'New while away');
    await addMember(api, w.a, g2, w.me);
    const welcome = await say(api, w.a, g2, 'welcome');
    const client = await openWs(server, '/ws', { token: w.me.token });
    open.push(client);
    client.send({ type: 'resume', since });
    await client.next('member_added', (f) => f.chat_id === g2 && f.user_ids.includes(w.me.user.id));
    await client.next('new_message', (f) => f.message.id === welcome.id);
    await client.sync();
    expectCursorOrder(client.frames);
    expectEachMessageOnce(client.frames, [welcome.id]);
  });

  it('a seq that does not exist (never sent) → reset', async () => {
    const w = await world();
    const client = await openWs(server, '/ws', { token: w.me.token });
    open.push(client);
    client.send({ type: 'resume', since: { [w.d]: 9999 } });
    const reset = await client.next('reset');
    expect(typeof reset.reason).toBe('string');
    await expectLiveContinues(client, w);
  });
});

describe('resume by URL and over SSE', () => {
  it('ws ?cursor= replays and continues live', async () => {
    const w = await world();
    const { cursor } = await goAway(w);
    const changes = await missedChanges(w);
    const during = concurrently(w, 10);
    const client = await openWs(server, '/ws', { token: w.me.token, query: { cursor: String(cursor) } });
    open.push(client);
    const liveIds = await during;
    await expectExactlyTheLog(client, w.me.user.id, cursor);
    expectTheChanges(client.frames, w, changes);
    expectEachMessageOnce(client.frames, liveIds);
    await expectLiveContinues(client, w);
  });

  it('/ws/{chat_id}?cursor= replays that chat only', async () => {
    const w = await world();
    const { cursor } = await goAway(w);
    const inD = await say(api, w.a, w.d, 'for d');
    await say(api, w.b, w.g, 'for g');
    const client = await openWs(server, `/ws/${w.d}`, { token: w.me.token, query: { cursor: String(cursor) } });
    open.push(client);
    await client.next('new_message', (f) => f.message.id === inD.id);
    await client.sync();
    expect(client.all((f) => f.chat_id !== undefined && f.chat_id !== w.d)).toEqual([]);
  });

  /** The SSE events as frames (their JSON), for the shared checks. */
  const asFrames = (events: SseEvent[]) => ({ frames: events.filter((e) => e.json).map((e) => e.json as Frame) });

  for (const how of ['Last-Event-ID', '?cursor='] as const) {
    it(`SSE with ${how}: replays, then live, each once and in order`, async () => {
      const w = await world();
      const { cursor } = await goAway(w);
      const changes = await missedChanges(w);
      const during = concurrently(w, 10);
      const url = `${server.url}/api/events?token=${encodeURIComponent(w.me.token)}${how === '?cursor=' ? `&cursor=${cursor}` : ''}`;
      const sse = await SseClient.open(url, how === 'Last-Event-ID' ? { 'last-event-id': String(cursor) } : {});
      streams.push(sse);
      expect(sse.status).toBe(200);
      const liveIds = await during;
      const view = { get frames() { return asFrames(sse.events).frames; } };
      await expectExactlyTheLog(view, w.me.user.id, cursor);
      expectTheChanges(view.frames, w, changes);
      expectEachMessageOnce(view.frames, liveIds);
      for (const e of sse.events.filter((x) => x.json?.cursor)) {
        expect(e.id).toBe(e.json.cursor);
        expect(e.event).toBe(e.json.type);
      }
      const sent = await say(api, w.a, w.d, 'live over sse');
      await sse.next((e) => e.json?.message?.id === sent.id);
    });
  }
});

describe('delivered receipts for what a resume hands over', () => {
  it('messages replayed to a recipient reach their sender as delivered', async () => {
    const w = await world();
    const { cursor } = await goAway(w);
    const sender = await live(server, w.a);
    open.push(sender);
    const from = sender.mark();
    const sent = await say(api, w.a, w.d, 'while you were away');
    const client = await openWs(server, '/ws', { token: w.me.token });
    open.push(client);
    client.send({ type: 'resume', cursor: String(cursor) });
    await client.next('new_message', (f) => f.message.id === sent.id);
    const status = await sender.next('message_status', (f) => f.status === 'delivered' && f.chat_id === w.d && f.up_to_seq >= sent.seq, { from });
    expect(status.user_id).toBe(w.me.user.id);
  });

  it('a message that arrived during the first 300 ms (held) is still marked delivered', async () => {
    const w = await world();
    const sender = await live(server, w.a);
    open.push(sender);
    const from = sender.mark();
    const client = await openWs(server, '/ws', { token: w.me.token });
    open.push(client);
    const sent = await say(api, w.a, w.d, 'during the hold');
    await client.next('new_message', (f) => f.message.id === sent.id);
    const status = await sender.next('message_status', (f) => f.status === 'delivered' && f.up_to_seq >= sent.seq, { from });
    expect(status.user_id).toBe(w.me.user.id);
    expect((await history(api, w.a, w.d)).length).toBeGreaterThan(0);
  });
});
