import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Api, type Registered } from '../support/client.js';
import { startServer, type TestServer } from '../support/server.js';
import {
  addMember,
  CURSOR_ORDER_GUARANTEED,
  closeAll,
  direct,
  expectCursorOrder,
  expectIncreasingCursors,
  type Frame,
  group,
  live,
  ok,
  quiet,
  removeMember,
  say,
  users,
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
async function connect(user: Registered, path = '/ws'): Promise<WsClient> {
  const client = await live(server, user, path);
  open.push(client);
  return client;
}
afterEach(async () => {
  await closeAll(...open.splice(0));
});

/**
 * A group of owner + member, and an outsider who shares a different chat with the owner (so is
 * a contact, and has a socket carrying something), each with a live /ws socket.
 */
async function scene() {
  const [owner, member, outsider] = await users(api, 3);
  const chat = await group(api, owner, [member]);
  const side = await direct(api, outsider, owner);
  const [o, m, x] = await Promise.all([connect(owner), connect(member), connect(outsider)]);
  return { owner: owner, member: member, outsider: outsider, chat, side, o, m, x };
}

/** After syncing every socket: nothing about `chatId` reached these (from their marks on). */
async function expectNothingOf(chatId: string, ...clients: Array<[WsClient, number]>): Promise<void> {
  for (const [client, from] of clients) {
    await client.sync();
    expect(client.all((f) => f.chat_id === chatId, from)).toEqual([]);
  }
}

/** Waits for exactly one `type` frame about `chatId` on each client, and returns them. */
async function oneEach(type: string, chatId: string, pred: (f: Frame) => boolean, ...clients: Array<[WsClient, number]>): Promise<Frame[]> {
  const got: Frame[] = [];
  for (const [client, from] of clients) {
    got.push(await client.next(type, (f) => f.chat_id === chatId && pred(f), { from }));
    await client.sync();
    expect(client.all((f) => f.type === type && f.chat_id === chatId && pred(f), from)).toHaveLength(1);
  }
  return got;
}

describe('message events reach the members, and no one else', () => {
  it('new_message: sender and members, with seq and cursor', async () => {
    const s = await scene();
    const [mo, mm, mx] = [s.o.mark(), s.m.mark(), s.x.mark()];
    const sent = await say(api, s.owner, s.chat, 'hello group');
    const frames = await oneEach('new_message', s.chat, (f) => f.message.id === sent.id, [s.o, mo], [s.m, mm]);
    for (const f of frames) {
      expect(f).toMatchObject({ type: 'new_message', chat_id: s.chat, seq: sent.seq, message: { id: sent.id, content: 'hello group', seq: sent.seq } });
      expect(f.cursor).toMatch(/^\d+$/);
    }
    expect(frames[0]?.cursor).toBe(frames[1]?.cursor);
    await expectNothingOf(s.chat, [s.x, mx]);
  });

  it('message_edited, message_deleted and message_reaction', async () => {
    const s = await scene();
    const sent = await say(api, s.member, s.chat, 'first text');
    const [mo, mm, mx] = [s.o.mark(), s.m.mark(), s.x.mark()];

    ok(await api.put(`/api/chats/${s.chat}/messages/${sent.id}`, { token: s.member.token, body: { content: 'second text' } }));
    for (const f of await oneEach('message_edited', s.chat, () => true, [s.o, mo], [s.m, mm])) {
      expect(f.message).toMatchObject({ id: sent.id, content: 'second text' });
      expect(f.message.edited_at).toBeTruthy();
      expect(typeof f.seq).toBe('number');
    }

    ok(await api.post(`/api/chats/${s.chat}/messages/${sent.id}/react`, { token: s.owner.token, body: { emoji: '👍' } }));
    for (const f of await oneEach('message_reaction', s.chat, () => true, [s.o, mo], [s.m, mm])) {
      expect(f).toMatchObject({ message_id: sent.id, user_id: s.owner.user.id, emoji: '👍', action: 'added' });
      expect(f.reactions).toBeTruthy();
    }

    ok(await api.delete(`/api/chats/${s.chat}/messages/${sent.id}`, { token: s.member.token }));
    for (const f of await oneEach('message_deleted', s.chat, () => true, [s.o, mo], [s.m, mm])) {
      expect(f).toMatchObject({ message_id: sent.id, deleted_by: s.member.user.id });
      expect(typeof f.seq).toBe('number');
    }
    for (const client of [s.o, s.m]) {
      expectCursorOrder(client.frames);
    }
    await expectNothingOf(s.chat, [s.x, mx]);
  });

  it('message_status read, after POST .../read', async () => {
    const s = await scene();
    const sent = await say(api, s.owner, s.chat, 'read me');
    const [mo, mm, mx] = [s.o.mark(), s.m.mark(), s.x.mark()];
    ok(await api.post(`/api/chats/${s.chat}/messages/${sent.id}/read`, { token: s.member.token }));
    for (const f of await oneEach('message_status', s.chat, (f) => f.status === 'read', [s.o, mo], [s.m, mm])) {
      expect(f).toMatchObject({ message_id: sent.id, status: 'read', user_id: s.member.user.id, up_to_seq: sent.seq });
      expect(typeof f.seq).toBe('number');
      expect(typeof f.cursor).toBe('string');
    }
    await expectNothingOf(s.chat, [s.x, mx]);
  });

  it('message_status read, after a {type:"read"} frame', async () => {
    const s = await scene();
    const sent = await say(api, s.owner, s.chat, 'read me by frame');
    const [mo, mm] = [s.o.mark(), s.m.mark()];
    s.m.send({ type: 'read', chat_id: s.chat, message_id: sent.id });
    for (const f of await oneEach('message_status', s.chat, (f) => f.status === 'read', [s.o, mo], [s.m, mm])) {
      expect(f).toMatchObject({ message_id: sent.id, user_id: s.member.user.id, up_to_seq: sent.seq });
    }
    const chat = ok(await api.get(`/api/chats/${s.chat}`, { token: s.member.token })).body;
    expect(chat.unread_count).toBe(0);
  });

  it('message_status delivered: the recipient’s socket received it, the sender sees delivered', async () => {
    const [a, b] = await users(api, 2);
    const chat = await direct(api, a, b);
    const sa = await connect(a);
    const sb = await connect(b);
    const from = sa.mark();
    const sent = await say(api, a, chat, 'are you there?');
    await sb.next('new_message', (f) => f.message.id === sent.id);
    const status = await sa.next('message_status', (f) => f.status === 'delivered', { from });
    expect(status).toMatchObject({ chat_id: chat, status: 'delivered', user_id: b.user.id, up_to_seq: sent.seq, message_id: sent.id });
    expect(typeof status.cursor).toBe('string');
  });

  it('no delivered receipt while the recipient has no socket', async () => {
    const [a, b] = await users(api, 2);
    const chat = await direct(api, a, b);
    const sa = await connect(a);
    const from = sa.mark();
    await say(api, a, chat, 'nobody home');
    const later = await say(api, a, chat, 'still nobody');
    await sa.next('new_message', (f) => f.message.id === later.id, { from });
    await new Promise((r) => setTimeout(r, 300)); // longer than the receipt batch
    await sa.sync();
    expect(sa.ofType('message_status', from)).toEqual([]);
  });
});

describe('chat events', () => {
  it('chat_created reaches both members of a new direct chat, and no one else', async () => {
    const [a, b, x] = await users(api, 3);
    await direct(api, a, x);
    const [sa, sb, sx] = [await connect(a), await connect(b), await connect(x)];
    const [ma, mb, mx] = [sa.mark(), sb.mark(), sx.mark()];
    const chat = await direct(api, a, b);
    for (const [client, from] of [
      [sa, ma],
      [sb, mb],
    ] as const) {
      const f = await client.next('chat_created', (f) => f.chat_id === chat, { from });
      expect([...f.member_ids].sort()).toEqual([a.user.id, b.user.id].sort());
      expect(f.chat).toBeTruthy();
      expect(typeof f.cursor).toBe('string');
    }
    await expectNothingOf(chat, [sx, mx]);
    // Both follow the new chat at once.
    const sent = await say(api, b, chat, 'first');
    await sa.next('new_message', (f) => f.message.id === sent.id);
  });

  it('chat_created reaches every member of a new group', async () => {
    const [owner, m1, m2, x] = await users(api, 4);
    await direct(api, x, owner);
    const sockets = [await connect(owner), await connect(m1), await connect(m2)];
    const sx = await connect(x);
    const marks = sockets.map((s) => s.mark());
    const mx = sx.mark();
    const chat = await group(api, owner, [m1, m2]);
    for (const [i, s] of sockets.entries()) {
      await s.next('chat_created', (f) => f.chat_id === chat, { from: marks[i] });
      await s.next('new_message', (f) => f.chat_id === chat && f.message.message_type === 'system', { from: marks[i] });
    }
    await expectNothingOf(chat, [sx, mx]);
  });

  it('chat_updated: group settings and roles', async () => {
    const s = await scene();
    const [mo, mm, mx] = [s.o.mark(), s.m.mark(), s.x.mark()];
    ok(await api.put(`/api/chats/${s.chat}/group`, { token: s.owner.token, body: { name: 'Renamed', description: 'new words' } }));
    for (const f of await oneEach('chat_updated', s.chat, (f) => f.chat !== undefined, [s.o, mo], [s.m, mm])) {
      expect(f.chat).toMatchObject({ group_name: 'Renamed' });
      expect(f.by).toBe(s.owner.user.id);
    }
    ok(await api.post(`/api/chats/${s.chat}/admins/${s.member.user.id}`, { token: s.owner.token }));
    for (const f of await oneEach('chat_updated', s.chat, (f) => f.member !== undefined, [s.o, mo], [s.m, mm])) {
      expect(f.member).toEqual({ user_id: s.member.user.id, role: 'admin' });
    }
    await expectNothingOf(s.chat, [s.x, mx]);
  });

  it('member_added: the added member’s open socket gets it and the chat’s events from then on', async () => {
    const s = await scene();
    const [newbie] = await users(api, 1);
    const n = await connect(newbie);
    const [mo, mm, mn, mx] = [s.o.mark(), s.m.mark(), n.mark(), s.x.mark()];
    await addMember(api, s.owner, s.chat, newbie);
    for (const f of await oneEach('member_added', s.chat, () => true, [s.o, mo], [s.m, mm], [n, mn])) {
      expect(f).toMatchObject({ user_ids: [newbie.user.id], by: s.owner.user.id });
      expect(typeof f.cursor).toBe('string');
    }
    const sent = await say(api, s.member, s.chat, 'welcome');
    await n.next('new_message', (f) => f.message.id === sent.id, { from: mn });
    // and may act in it over the socket right away
    const typingFrom = s.o.mark();
    n.send({ type: 'typing', chat_id: s.chat, is_typing: true });
    await s.o.next('typing', (f) => f.user_id === newbie.user.id, { from: typingFrom });
    await expectNothingOf(s.chat, [s.x, mx]);
  });

  it('member_removed + chat_removed: the removed member stops receiving at once', async () => {
    const s = await scene();
    const [mo, mm] = [s.o.mark(), s.m.mark()];
    await removeMember(api, s.owner, s.chat, s.member);
    const removed = await s.o.next('member_removed', (f) => f.chat_id === s.chat, { from: mo });
    expect(removed).toMatchObject({ user_id: s.member.user.id, by: s.owner.user.id });
    const gone = await s.m.next('chat_removed', (f) => f.chat_id === s.chat, { from: mm });
    expect(gone.reason).toBe('removed');
    expect(typeof gone.cursor).toBe('string');
    const after = s.m.mark();
    const sent = await say(api, s.owner, s.chat, 'after you left');
    await s.o.next('new_message', (f) => f.message.id === sent.id, { from: mo });
    await expectNothingOf(s.chat, [s.m, after]);
    // nor can it act on the chat any more
    s.m.send({ type: 'typing', chat_id: s.chat, is_typing: true });
    const error = await s.m.next('error', () => true, { from: after });
    expect(error.code).toBe('not_a_member');
  });

  it('leaving: chat_removed reason left to me, member_removed to the rest', async () => {
    const s = await scene();
    const [mo, mm] = [s.o.mark(), s.m.mark()];
    ok(await api.post(`/api/chats/${s.chat}/leave`, { token: s.member.token }));
    expect((await s.m.next('chat_removed', (f) => f.chat_id === s.chat, { from: mm })).reason).toBe('left');
    expect((await s.o.next('member_removed', (f) => f.chat_id === s.chat, { from: mo })).user_id).toBe(s.member.user.id);
    await s.o.sync();
    expect(s.o.ofType('chat_removed', mo)).toEqual([]);
  });

  it('deleting a group: chat_removed reason deleted to every member', async () => {
    const s = await scene();
    const [mo, mm, mx] = [s.o.mark(), s.m.mark(), s.x.mark()];
    ok(await api.delete(`/api/chats/${s.chat}`, { token: s.owner.token }));
    for (const [client, from] of [
      [s.o, mo],
      [s.m, mm],
    ] as const) {
      expect((await client.next('chat_removed', (f) => f.chat_id === s.chat, { from })).reason).toBe('deleted');
    }
    await expectNothingOf(s.chat, [s.x, mx]);
  });
});

describe('/ws/{chat_id} only gets that chat’s events', () => {
  it('events of my other chats and of chats I am added to do not reach it', async () => {
    const [me, a, b] = await users(api, 3);
    const one = await direct(api, a, me);
    const other = await group(api, a, [me]);
    const only = await connect(me, `/ws/${one}`);
    const from = only.mark();
    await say(api, a, other, 'not for this socket');
    const third = await group(api, b, [me]);
    await say(api, b, third, 'nor this');
    const here = await say(api, a, one, 'this one');
    await only.next('new_message', (f) => f.message.id === here.id, { from });
    await only.sync();
    const seen = only.frames.slice(from).filter((f) => f.chat_id !== undefined);
    expect(seen.every((f) => f.chat_id === one), JSON.stringify(seen)).toBe(true);
  });

  it('a frame without chat_id acts on that chat', async () => {
    const [me, a] = await users(api, 2);
    const chat = await direct(api, a, me);
    const only = await connect(me, `/ws/${chat}`);
    const sa = await connect(a);
    const from = sa.mark();
    only.send({ type: 'send', content: 'no chat id needed', client_id: 'c-1' });
    const ack = await only.next('ack');
    expect(ack.message.chat_id).toBe(chat);
    await sa.next('new_message', (f) => f.message.id === ack.message.id, { from });
  });
});

describe('concurrent senders', () => {
  /** Three senders, eight messages in flight at a time, two recipients with live sockets. */
  async function burst() {
    const [a, b, c, r1, r2] = await users(api, 5);
    const chat = await group(api, a, [b, c, r1, r2]);
    const [s1, s2] = [await connect(r1), await connect(r2)];
    const [m1, m2] = [s1.mark(), s2.mark()];
    const ids: string[] = [];
    const senders = [a, b, c];
    for (let i = 0; i < 120; i += 8) {
      const batch = await Promise.all(Array.from({ length: 8 }, (_, j) => say(api, senders[(i + j) % 3] as Registered, chat, `burst ${i + j}`)));
      ids.push(...batch.map((m) => m.id));
    }
    await quiet();
    for (const s of [s1, s2]) {
      await s.sync();
    }
    return { ids, sockets: [[s1, m1], [s2, m2]] as const };
  }

  it('every message reaches every live socket exactly once', async () => {
    const { ids, sockets } = await burst();
    for (const [s, from] of sockets) {
      const got = s.ofType('new_message', from).map((f) => f.message.id);
      expect(ids.filter((id) => !got.includes(id)), 'missing').toEqual([]);
      expect(new Set(got).size).toBe(got.length);
      const cursors = s.all((f) => typeof f.cursor === 'string', from).map((f) => f.cursor);
      expect(new Set(cursors).size).toBe(cursors.length);
    }
  });

  it.skipIf(!CURSOR_ORDER_GUARANTEED)('…and in cursor order', async () => {
    const { sockets } = await burst();
    for (const [s, from] of sockets) {
      expectIncreasingCursors(s.frames.slice(from));
    }
  });
});
