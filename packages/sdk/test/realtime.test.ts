import type { Message, NewMessageEvent, RealtimeConnection } from 'majlis-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import type { Connection } from '../../server/src/realtime/connection.js';
import { connect, dropServerSide, nextEvent, people, record, sleep, startServer, type TestServer, waitFor } from './helpers.js';

let server: TestServer;
const open: RealtimeConnection[] = [];

beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());
afterEach(() => {
  for (const rt of open.splice(0)) {
    rt.close();
  }
});

async function pair() {
  const [a, b] = await people(server, 2);
  const { chat_id } = await a.client.chats.openDirect({ user_id: b.user.id });
  return { a, b, chatId: chat_id };
}

async function live(...args: Parameters<typeof connect>): Promise<RealtimeConnection> {
  const rt = await connect(...args);
  open.push(rt);
  return rt;
}

/** The seqs of the new_message events of one chat, in arrival order. */
function seqsOf(events: NewMessageEvent[], chatId: string): number[] {
  return events.filter((e) => e.chat_id === chatId).map((e) => e.message.seq);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('events arrive typed', () => {
  it('message events: new_message, message_edited, message_reaction, message_deleted, message_status, typing', async () => {
    const { a, b, chatId } = await pair();
    const rtA = await live(a);
    const rtB = await live(b);

    const arrived = nextEvent(rtA, 'new_message', (e) => e.chat_id === chatId);
    const sent = await b.client.messages.send(chatId, 'hello A');
    const event = await arrived;
    // Typed: `message` is the contract's Message, `cursor` a string.
    const message: Message = event.message;
    expect(message).toEqual(expect.objectContaining({ id: sent.id, content: 'hello A', seq: 1 }));
    expect(event).toMatchObject({ type: 'new_message', chat_id: chatId, seq: 1, cursor: expect.any(String) });

    const edited = nextEvent(rtA, 'message_edited');
    await b.client.messages.edit(chatId, sent.id, 'hello again');
    expect((await edited).message.content).toBe('hello again');

    const reacted = nextEvent(rtB, 'message_reaction');
    await a.client.messages.react(chatId, sent.id, '🎉');
    expect(await reacted).toMatchObject({ message_id: sent.id, reactions: { '🎉': [a.user.id] }, user_id: a.user.id, emoji: '🎉', action: 'added' });

    const read = nextEvent(rtB, 'message_status', (e) => e.status === 'read');
    rtA.read(chatId, sent.id);
    expect(await read).toMatchObject({ chat_id: chatId, status: 'read', user_id: a.user.id, up_to_seq: 1, message_id: sent.id });

    const typing = nextEvent(rtB, 'typing');
    expect(rtA.typing(chatId, true)).toBe(true);
    expect(await typing).toEqual({ type: 'typing', chat_id: chatId, user_id: a.user.id, is_typing: true });

    const deleted = nextEvent(rtA, 'message_deleted');
    await b.client.messages.delete(chatId, sent.id);
    expect(await deleted).toMatchObject({ chat_id: chatId, message_id: sent.id, deleted_by: b.user.id });
  });

  it('chat events: chat_created, chat_updated, member_added, member_removed, chat_removed; presence', async () => {
    const [owner, member, extra] = await people(server, 3);
    await owner.client.chats.openDirect({ user_id: member.user.id });
    const rt = await live(member);
    const events = record(rt, ['chat_created', 'chat_updated', 'member_added', 'member_removed', 'chat_removed']);

    const created = nextEvent(rt, 'chat_created');
    const { chat_id } = await owner.client.chats.createGroup({ name: 'Typed', participant_ids: [member.user.id] });
    expect(await created).toMatchObject({ chat_id, chat: { id: chat_id, chat_type: 'group', group_name: 'Typed' } });
    expect((await created).member_ids.sort()).toEqual([owner.user.id, member.user.id].sort());

    await owner.client.chats.updateGroup(chat_id, { name: 'Renamed' });
    await owner.client.chats.promote(chat_id, member.user.id);
    await owner.client.chats.addParticipants(chat_id, { user_ids: [extra.user.id] });
    await owner.client.chats.removeParticipant(chat_id, extra.user.id);
    await owner.client.chats.delete(chat_id);
    await waitFor(() => events.some((e) => e.type === 'chat_removed'), 'chat_removed');
    expect(events.map((e) => e.type)).toEqual(['chat_created', 'chat_updated', 'chat_updated', 'member_added', 'member_removed', 'chat_removed']);
    expect(events[1]).toMatchObject({ chat: { group_name: 'Renamed' }, by: owner.user.id });
    expect(events[2]).toMatchObject({ member: { user_id: member.user.id, role: 'admin' } });
    expect(events[3]).toMatchObject({ user_ids: [extra.user.id], by: owner.user.id });
    expect(events[4]).toMatchObject({ user_id: extra.user.id });
    expect(events[5]).toMatchObject({ chat_id, reason: 'deleted' });

    const presence = nextEvent(rt, 'presence', (e) => e.user_id === owner.user.id && e.is_online);
    const rtOwner = await live(owner);
    expect(await presence).toMatchObject({ user_id: owner.user.id, is_online: true });
    void rtOwner;
  });
});

describe('reconnect and resume', () => {
  it('connections killed while 30 messages are sent: after reconnect and resume each arrives once, in order', async () => {
    const { a, b, chatId } = await pair();
    const cursors: string[] = [];
    const rt = await live(a, { onCursor: (c) => cursors.push(c) });
    const events = record(rt, ['new_message']);
    const closes = record(rt, ['close']);

    for (let i = 1; i <= 30; i += 1) {
      await b.client.messages.send(chatId, `m${i}`);
      if (i === 5 || i === 17) {
        await waitFor(() => rt.state === 'open' && server.hub.connectionsOf(a.user.id).size === 1, 'open again');
        expect(dropServerSide(server, a.user.id)).toBe(1);
      }
      if (i === 11 || i === 24) {
        // The client's own side vanishes (no close handshake).
        await waitFor(() => rt.state === 'open', 'open again');
        (rt.rawSocket as unknown as WebSocket).terminate();
      }
    }
    await waitFor(() => seqsOf(events, chatId).length >= 30 && rt.state === 'open', '30 messages');
    await sleep(200); // anything doubled would arrive now
    expect(seqsOf(events, chatId)).toEqual(range(30));
    expect(events.map((e) => e.message.content)).toEqual(range(30).map((i) => `m${i}`));
    expect(closes.length).toBeGreaterThanOrEqual(4);
    expect(rt.connectCount).toBeGreaterThanOrEqual(5);
    // The cursor only moved forward.
    expect([...cursors].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1))).toEqual(cursors);
    expect(rt.cursor).toBe(cursors.at(-1));
  });

  it.each(['frame', 'query'] as const)('a new connection that resumes (by %s) from a saved cursor gets exactly what it missed', async (resumeVia) => {
    const { a, b, chatId } = await pair();
    const first = await live(a);
    await b.client.messages.send(chatId, 'seen');
    await waitFor(() => first.cursor !== null && first.state === 'open', 'a cursor');
    await waitFor(async () => (await nextEvent(first, 'new_message', undefined, 200).catch(() => null)) === null, 'quiet');
    const saved = first.cursor!;
    first.close();
    for (let i = 0; i < 5; i += 1) {
      await b.client.messages.send(chatId, `missed ${i}`);
    }
    const second = a.client.realtime({ cursor: saved, resumeVia });
    open.push(second);
    const events = record(second, ['new_message']);
    const opened = nextEvent(second, 'open');
    second.connect();
    // `open` comes after the replay: everything missed is already there.
    expect(await opened).toEqual({ resumed: true, cursor: saved });
    expect(events.map((e) => e.message.content)).toEqual(['missed 0', 'missed 1', 'missed 2', 'missed 3', 'missed 4']);
  });

  it('a cursor older than the event log gets reset: the client takes a fresh cursor and continues live', async () => {
    const { a, b, chatId } = await pair();
    await b.client.messages.send(chatId, 'old');
    await server.services.events.prune(server.clock.now() + 1);
    // One event after the prune: with none, GET /api/sync answers cursor "0" (see the report).
    await b.client.messages.send(chatId, 'after the prune');
    const rt = a.client.realtime({ cursor: '1' });
    open.push(rt);
    const reset = nextEvent(rt, 'reset');
    rt.connect();
    expect((await reset).type).toBe('reset');
    const fresh = rt.cursor!;
    expect(BigInt(fresh)).toBeGreaterThan(1n);
    const next = nextEvent(rt, 'new_message');
    await b.client.messages.send(chatId, 'after reset');
    expect((await next).message.content).toBe('after reset');
    expect(BigInt(rt.cursor!)).toBeGreaterThan(BigInt(fresh));
  });
});

describe('send: exactly once', () => {
  it('resolves with the persisted message (and the chat also gets new_message)', async () => {
    const { a, b, chatId } = await pair();
    const rtA = await live(a);
    const rtB = await live(b);
    const arrived = nextEvent(rtB, 'new_message');
    const message = await rtA.send(chatId, 'over the socket');
    // Equal but for receipts: B's connection receiving it may already have made it "delivered".
    const stored = await a.client.messages.get(chatId, message.id);
    expect({ ...message, status: null, read_by: null }).toEqual({ ...stored, status: null, read_by: null });
    expect(message.client_id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await arrived).message.id).toBe(message.id);
  });

  it('the ack is lost with the connection: the send goes again with the same client_id and yields one message', async () => {
    const { a, chatId } = await pair();
    const rt = await live(a);
    const acks = record(rt, ['ack']);
    // Server side: the message is stored, then the connection dies instead of acknowledging.
    for (const conn of server.hub.connectionsOf(a.user.id) as ReadonlySet<Connection>) {
      const original = conn.sendObject;
      (conn as { sendObject: Connection['sendObject'] }).sendObject = (type, body) => {
        if (type === 'ack') {
          conn.close(1001, 'test: ack lost');
          return;
        }
        original(type, body);
      };
    }
    const message = await rt.send(chatId, 'exactly once', { clientId: 'ack-lost-1' });
    expect(message.client_id).toBe('ack-lost-1');
    expect(acks).toEqual([expect.objectContaining({ client_id: 'ack-lost-1', replayed: true })]);
    expect(rt.connectCount).toBe(2);
    const page = await a.client.messages.list(chatId);
    expect(page.messages.filter((m) => m.content === 'exactly once').map((m) => m.id)).toEqual([message.id]);
    expect(rt.pendingSends).toBe(0);
  });

  it('sends made while the line is down wait, then go once each; a drop right after sending changes nothing', async () => {
    const { a, b, chatId } = await pair();
    const rt = await live(a);
    (rt.rawSocket as unknown as WebSocket).terminate();
    const waiting = [rt.send(chatId, 'q1'), rt.send(chatId, 'q2'), rt.send(chatId, 'q3')];
    const messages = await Promise.all(waiting);
    expect(messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    await waitFor(() => rt.state === 'open', 'open');
    const racing = rt.send(chatId, 'q4');
    (rt.rawSocket as unknown as WebSocket).terminate();
    const fourth = await racing;
    const page = await b.client.messages.list(chatId);
    expect(page.messages.map((m) => m.content)).toEqual(['q1', 'q2', 'q3', 'q4']);
    expect(page.messages.map((m) => m.id)).toEqual([...messages.map((m) => m.id), fourth.id]);
  });

  it('a refused send rejects with a MajlisError; send with the same clientId returns the same promise', async () => {
    const { a, chatId } = await pair();
    const [stranger] = await people(server, 1);
    const rt = await live(stranger!);
    await expect(rt.send(chatId, 'not mine')).rejects.toMatchObject({ name: 'MajlisError', status: 403, code: 'not_a_member' });
    const rtA = await live(a);
    const p1 = rtA.send(chatId, 'same', { clientId: 'dup-1' });
    const p2 = rtA.send(chatId, 'same', { clientId: 'dup-1' });
    expect(p2).toBe(p1);
    const rest = await a.client.messages.send(chatId, { content: 'same', client_id: 'dup-1' });
    expect(rest.id).toBe((await p1).id);
  });

  it('close() rejects what is still unacknowledged with connection_closed', async () => {
    const { a, chatId } = await pair();
    const rt = a.client.realtime();
    const pending = rt.send(chatId, 'never connected');
    rt.close();
    await expect(pending).rejects.toMatchObject({ code: 'connection_closed' });
    expect(rt.state).toBe('stopped');
  });
});
