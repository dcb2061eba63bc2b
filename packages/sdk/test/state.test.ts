import { applyEvents, type Chat, type ChatState, compareCursors, createState, type DurableEvent, isDurable, type Message, upsertChat } from 'majlis-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { client, connect, type Person, people, sleep, startServer, type TestServer, waitFor } from './helpers.js';

// Design principle 8 (events verified against state, zulip's verify_action): for each event
// type, take a REST snapshot, act while collecting events, apply them with applyEvent to the
// stale snapshot, and compare with a fresh REST fetch.

let server: TestServer;
const cleanups: Array<() => void> = [];

beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) {
    cleanup();
  }
});

/** My chats and the messages of each, as an app loads them at start. */
async function snapshot(me: Person): Promise<ChatState> {
  const chats = await me.client.chats.list();
  const messages: Record<string, Message[]> = {};
  for (const chat of chats) {
    messages[chat.id] = (await me.client.messages.list(chat.id, { limit: 200 })).messages;
  }
  return createState(me.user.id, chats, messages);
}

interface Watch {
  events: DurableEvent[];
  /** Waits until every event the server has for me now has arrived, then returns them. */
  settle(): Promise<DurableEvent[]>;
}

/** Takes the cursor, then the snapshot, then follows the events from that cursor (resume + live). */
async function watch(me: Person): Promise<{ stale: ChatState; watch: Watch }> {
  const cursor = await me.client.sync.cursor();
  const stale = await snapshot(me);
  const rt = await connect(me, { cursor });
  cleanups.push(() => rt.close());
  const events: DurableEvent[] = [];
  rt.on('event', (event) => {
    if (isDurable(event)) {
      events.push(event);
    }
  });
  return {
    stale,
    watch: {
      events,
      async settle() {
        await sleep(150); // delivered receipts are batched for 100 ms
        const target = (await me.client.sync.poll(cursor, { timeout: 0, limit: 500 })).cursor;
        await waitFor(() => rt.cursor !== null && compareCursors(rt.cursor, target) >= 0, `events up to ${target}`);
        return [...events];
      },
    },
  };
}

/** Applies the events, then fetches what they marked stale (as an app would). */
async function catchUp(me: Person, stale: ChatState, events: DurableEvent[]): Promise<ChatState> {
  let state = applyEvents(stale, events);
  for (const id of state.stale) {
    const chat = await me.client.chats.get(id).catch(() => null);
    if (chat) {
      state = upsertChat(state, chat);
    }
  }
  return state;
}

/** What applyEvent maintains of a chat. */
function chatFacts(chat: Chat) {
  return {
    id: chat.id,
    group_name: chat.group_name,
    description: chat.description,
    is_public: chat.is_public,
    my_role: chat.my_role,
    member_count: chat.member_count,
    participants: chat.participants.map((u) => u.id).sort(),
    last_message: chat.last_message && { id: chat.last_message.id, content: chat.last_message.content, is_deleted: chat.last_message.is_deleted },
    last_seq: chat.last_seq,
    last_read_seq: chat.last_read_seq,
    unread_count: chat.unread_count,
    last_activity_at: chat.last_activity_at,
  };
}

/** What applyEvent maintains of a message. */
function messageFacts(m: Message) {
  return {
    id: m.id,
    seq: m.seq,
    content: m.content,
    is_deleted: m.is_deleted,
    edited_at: m.edited_at,
    reactions: m.reactions,
    read_by: [...m.read_by].sort(),
    reply_to_message: m.reply_to_message && { id: m.reply_to_message.id, content: m.reply_to_message.content, is_deleted: m.reply_to_message.is_deleted },
  };
}

/** The principle-8 check: the state equals a fresh fetch in every maintained field. */
async function expectMatchesFresh(me: Person, state: ChatState): Promise<void> {
  const fresh = await snapshot(me);
  expect(state.chats.map((c) => c.id)).toEqual(fresh.chats.map((c) => c.id));
  expect(state.chats.map(chatFacts)).toEqual(fresh.chats.map(chatFacts));
  for (const chat of fresh.chats) {
    const mine = state.messages[chat.id];
    if (mine) {
      expect(mine.map(messageFacts), `messages of ${chat.group_name ?? chat.id}`).toEqual((fresh.messages[chat.id] ?? []).map(messageFacts));
    }
  }
  expect(Object.keys(state.messages).filter((id) => !fresh.chats.some((c) => c.id === id))).toEqual([]);
}

/** Runs `act` between a snapshot and a fresh fetch, returning the events and the caught-up state. */
async function verify(me: Person, act: () => Promise<void>): Promise<{ events: DurableEvent[]; applied: ChatState; state: ChatState }> {
  const { stale, watch: w } = await watch(me);
  await act();
  const events = await w.settle();
  const applied = applyEvents(stale, events);
  const state = await catchUp(me, stale, events);
  await expectMatchesFresh(me, state);
  return { events, applied, state };
}

const typesOf = (events: DurableEvent[]) => [...new Set(events.map((e) => e.type))].sort();

describe('applyEvent equals a fresh fetch (principle 8)', () => {
  it('new_message: unread counts, last_message, order by activity, my own sends, read_by of the sender', async () => {
    const [me, b, c] = await people(server, 3);
    const { chat_id: withB } = await b.client.chats.openDirect({ user_id: me.user.id });
    const { chat_id: withC } = await c.client.chats.openDirect({ user_id: me.user.id });
    const { chat_id: group } = await me.client.chats.createGroup({ name: 'G', participant_ids: [b.user.id, c.user.id] });
    await b.client.messages.send(withB, 'old from b');
    await c.client.messages.send(withC, 'old from c');
    const { events } = await verify(me, async () => {
      await b.client.messages.send(withB, 'b1');
      await b.client.messages.send(withB, 'b2');
      await c.client.messages.send(group, 'c in group');
      await me.client.messages.send(withC, 'me to c'); // moves my read pointer, and c's chat to the top
      await b.client.messages.send(group, 'b in group'); // c's read pointer stays; b has read "c in group"
    });
    expect(typesOf(events)).toContain('new_message');
  });

  it('message_edited: the message, last_message, and reply previews', async () => {
    const [me, b] = await people(server, 2);
    const { chat_id } = await b.client.chats.openDirect({ user_id: me.user.id });
    const first = await b.client.messages.send(chat_id, 'first');
    await me.client.messages.send(chat_id, { content: 'replying', reply_to: first.id });
    const last = await b.client.messages.send(chat_id, 'last');
    const { events } = await verify(me, async () => {
      await b.client.messages.edit(chat_id, first.id, 'first, edited');
      await b.client.messages.edit(chat_id, last.id, 'last, edited');
    });
    expect(typesOf(events)).toContain('message_edited');
  });

  it('message_deleted: tombstones, last_message, reply previews', async () => {
    const [me, b] = await people(server, 2);
    const { chat_id } = await b.client.chats.openDirect({ user_id: me.user.id });
    const first = await b.client.messages.send(chat_id, 'to be deleted');
    await me.client.messages.send(chat_id, { content: 'a reply', reply_to: first.id });
    await me.client.messages.react(chat_id, first.id, '👍');
    const hidden = await b.client.messages.send(chat_id, 'hidden for me only');
    const last = await b.client.messages.send(chat_id, 'last, also deleted');
    const { events } = await verify(me, async () => {
      await b.client.messages.delete(chat_id, first.id);
      await b.client.messages.delete(chat_id, last.id);
      await me.client.messages.delete(chat_id, hidden.id, { for: 'me' });
    });
    expect(events.filter((e) => e.type === 'message_deleted').map((e) => e.type === 'message_deleted' && (e.for ?? 'everyone'))).toEqual([
      'everyone',
      'everyone',
      'me',
    ]);
  });

  it('message_reaction: added and removed', async () => {
    const [me, b, c] = await people(server, 3);
    const { chat_id } = await me.client.chats.createGroup({ name: 'Reactions', participant_ids: [b.user.id, c.user.id] });
    const m = await me.client.messages.send(chat_id, 'react here');
    await b.client.messages.react(chat_id, m.id, '😂');
    const { events } = await verify(me, async () => {
      await c.client.messages.react(chat_id, m.id, '😂');
      await b.client.messages.react(chat_id, m.id, '❤️');
      await b.client.messages.react(chat_id, m.id, '😂');
    });
    expect(typesOf(events)).toContain('message_reaction');
  });

  it('message_status: others read my messages; I read on another device', async () => {
    const [me, b] = await people(server, 2);
    const { chat_id } = await b.client.chats.openDirect({ user_id: me.user.id });
    const mine = await me.client.messages.send(chat_id, 'mine');
    await b.client.messages.send(chat_id, 'b1');
    const b2 = await b.client.messages.send(chat_id, 'b2');
    await b.client.messages.send(chat_id, 'b3');
    const { events } = await verify(me, async () => {
      await b.client.messages.read(chat_id, mine.id);
      // My phone reads up to b2: my unread count here follows.
      const phone = client(server);
      await phone.auth.login({ email: me.email, password: me.password });
      await phone.messages.read(chat_id, b2.id);
    });
    expect(events.filter((e) => e.type === 'message_status').map((e) => e.type === 'message_status' && e.status)).toContain('read');
  });

  it('chat_created: a new direct chat and a new group (stale until fetched), and their first messages', async () => {
    const [me, b, c] = await people(server, 3);
    const { applied, events } = await verify(me, async () => {
      const { chat_id } = await b.client.chats.openDirect({ user_id: me.user.id });
      await b.client.messages.send(chat_id, 'hello, new chat');
      await c.client.chats.createGroup({ name: 'New group', participant_ids: [me.user.id, b.user.id] });
    });
    expect(typesOf(events)).toEqual(expect.arrayContaining(['chat_created', 'new_message']));
    expect(applied.stale).toHaveLength(2);
  });

  it('chat_updated: group facts, my role, ownership passing on', async () => {
    const [me, owner, b] = await people(server, 3);
    const { chat_id } = await owner.client.chats.createGroup({ name: 'Before', participant_ids: [me.user.id, b.user.id] });
    await owner.client.chats.promote(chat_id, b.user.id);
    const { events } = await verify(me, async () => {
      await owner.client.chats.updateGroup(chat_id, { name: 'After', description: 'described', is_public: true });
      await owner.client.chats.promote(chat_id, me.user.id);
      await owner.client.chats.demote(chat_id, me.user.id);
      await owner.client.chats.promote(chat_id, me.user.id);
      await owner.client.chats.leave(chat_id); // b (the oldest admin) becomes the owner
    });
    expect(typesOf(events)).toContain('chat_updated');
  });

  it('member_added: someone joins my group; I am added to a group with history', async () => {
    const [me, owner, b, c] = await people(server, 4);
    const { chat_id: mine } = await me.client.chats.createGroup({ name: 'Mine', is_public: true });
    const { chat_id: theirs } = await owner.client.chats.createGroup({ name: 'Theirs', participant_ids: [b.user.id] });
    await owner.client.messages.send(theirs, 'history before me');
    const { applied, events } = await verify(me, async () => {
      await b.client.chats.join(mine);
      await me.client.chats.addParticipants(mine, { user_ids: [c.user.id] });
      await owner.client.chats.addParticipants(theirs, { user_ids: [me.user.id] });
    });
    expect(typesOf(events)).toContain('member_added');
    // Before fetching, the counts are already right; only the new participants' profiles are missing.
    expect(applied.chats.find((x) => x.id === mine)?.member_count).toBe(3);
    expect(applied.stale.sort()).toEqual([mine, theirs].sort());
  });

  it('member_removed: a member leaves or is removed; their read receipts go with them', async () => {
    const [me, b, c] = await people(server, 3);
    const { chat_id } = await me.client.chats.createGroup({ name: 'Shrinking', participant_ids: [b.user.id, c.user.id] });
    await me.client.messages.send(chat_id, 'read by both');
    await b.client.messages.readAll(chat_id);
    await c.client.messages.readAll(chat_id);
    const { applied, events } = await verify(me, async () => {
      await me.client.chats.removeParticipant(chat_id, b.user.id);
      await c.client.chats.leave(chat_id);
    });
    expect(typesOf(events)).toContain('member_removed');
    expect(applied.chats.find((x) => x.id === chat_id)?.member_count).toBe(1);
    expect(applied.stale).toEqual([]);
  });

  it('chat_removed: I leave, I am removed, a group is deleted', async () => {
    const [me, owner] = await people(server, 2);
    const ids: string[] = [];
    for (const name of ['Left', 'Removed', 'Deleted', 'Kept']) {
      const { chat_id } = await owner.client.chats.createGroup({ name, participant_ids: [me.user.id] });
      await owner.client.messages.send(chat_id, `in ${name}`);
      ids.push(chat_id);
    }
    const { state, events } = await verify(me, async () => {
      await me.client.chats.leave(ids[0]!);
      await owner.client.chats.removeParticipant(ids[1]!, me.user.id);
      await owner.client.chats.delete(ids[2]!);
    });
    expect(events.filter((e) => e.type === 'chat_removed').map((e) => e.type === 'chat_removed' && e.reason)).toEqual(['left', 'removed', 'deleted']);
    expect(state.chats.map((x) => x.id)).toEqual([ids[3]]);
  });

  it('everything at once, across several chats and users', async () => {
    const [me, b, c, d] = await people(server, 4);
    const { chat_id: direct } = await b.client.chats.openDirect({ user_id: me.user.id });
    const { chat_id: group } = await c.client.chats.createGroup({ name: 'Busy', participant_ids: [me.user.id, b.user.id] });
    const seed = await b.client.messages.send(direct, 'seed');
    await verify(me, async () => {
      const m1 = await c.client.messages.send(group, 'one');
      await b.client.messages.send(group, { content: 'two', reply_to: m1.id });
      await c.client.messages.edit(group, m1.id, 'one (edited)');
      await me.client.messages.react(group, m1.id, '🔥');
      await b.client.messages.read(direct, seed.id);
      await c.client.chats.addParticipants(group, { user_ids: [d.user.id] });
      await d.client.messages.send(group, 'hi all');
      await c.client.chats.updateGroup(group, { name: 'Busier' });
      await b.client.messages.send(direct, 'direct again');
      await c.client.messages.delete(group, m1.id);
      await c.client.chats.removeParticipant(group, d.user.id);
      await me.client.messages.readAll(direct);
      const { chat_id: fresh } = await d.client.chats.openDirect({ user_id: me.user.id });
      await d.client.messages.send(fresh, 'new chat, new message');
    });
  });
});
