import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../../src/lib/ids.js';
import { Api, register, type Registered } from '../../support/client.js';
import { startServer, type TestServer } from '../../support/server.js';
import { expectChatShape, registerMany } from './helpers.js';

let server: TestServer;
let api: Api;

// Counts the SQL of the requests we measure (and nothing else).
let counting = false;
let queries: string[] = [];

const OTHERS = 20;

beforeAll(async () => {
  server = await startServer({}, { onQuery: (sql) => counting && queries.push(sql) });
  api = new Api(server.url);
});
afterAll(() => server.close());

interface Expected {
  id: string;
  unread: number;
  last: { id: string; content: string; sender_id: string } | null;
}

async function insertInChunks<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += 200) {
    await insert(rows.slice(i, i + 200));
  }
}

/**
 * Writes `n` chats of `me` straight into the database (direct chats with the first few others,
 * groups of three after that), each with 0–3 messages from the others and my read pointer
 * somewhere in them. Returns what GET /api/chats must answer, in its order.
 */
async function seedChats(me: Registered, others: Registered[], n: number): Promise<Expected[]> {
  const db = server.storage.db;
  const base = server.clock.now() - 10 * 86_400_000;
  const chats = [];
  const members = [];
  const messages = [];
  const expected: Expected[] = [];
  for (let i = 0; i < n; i += 1) {
    const id = newId();
    const direct = i < others.length;
    const a = others[i % others.length]!;
    const b = others[(i + 1) % others.length]!;
    const count = i % 4; // 0..3 messages
    const read = Math.min(i % 3, count);
    const activity = base + i * 1000;
    chats.push({
      id,
      type: direct ? ('single' as const) : ('group' as const),
      name: direct ? null : `Group ${i}`,
      description: null,
      image: null,
      is_public: 0,
      direct_key: direct ? [me.user.id, a.user.id].sort().join(':') : null,
      created_by: me.user.id,
      last_seq: count,
      last_activity_at: activity,
      created_at: base,
      updated_at: activity,
      deleted_at: null,
    });
    members.push({ chat_id: id, user_id: me.user.id, role: direct ? ('member' as const) : ('owner' as const), joined_at: base, last_read_seq: read, last_delivered_seq: read, archived_at: null, muted_until: null });
    members.push({ chat_id: id, user_id: a.user.id, role: 'member' as const, joined_at: base, last_read_seq: 0, last_delivered_seq: 0, archived_at: null, muted_until: null });
    if (!direct) {
      members.push({ chat_id: id, user_id: b.user.id, role: 'member' as const, joined_at: base, last_read_seq: 0, last_delivered_seq: 0, archived_at: null, muted_until: null });
    }
    let last: Expected['last'] = null;
    for (let seq = 1; seq <= count; seq += 1) {
      const sender = seq % 2 === 1 || direct ? a : b;
      const message = {
        id: newId(),
        chat_id: id,
        seq,
        sender_id: sender.user.id,
        type: 'text' as const,
        content: `chat ${i} message ${seq}`,
        search_text: `chat ${i} message ${seq}`,
        file_id: null,
        reply_to_id: null,
        forwarded_from_id: null,
        client_id: null,
        edited_at: null,
        deleted_at: null,
        created_at: activity - (count - seq),
      };
      messages.push(message);
      last = { id: message.id, content: message.content, sender_id: sender.user.id };
    }
    expected.push({ id, unread: count - read, last });
  }
  await insertInChunks(chats, (c) => db.insertInto('chats').values(c).execute());
  await insertInChunks(members, (m) => db.insertInto('chat_members').values(m).execute());
  await insertInChunks(messages, (m) => db.insertInto('messages').values(m).execute());
  // Most recent activity first.
  return expected.reverse();
}

async function measuredList(who: Registered): Promise<{ body: any[]; sql: string[] }> {
  queries = [];
  counting = true;
  const res = await api.get('/api/chats', { token: who.token });
  counting = false;
  expect(res.status, res.text).toBe(200);
  return { body: res.body, sql: queries };
}

function check(body: any[], expected: Expected[], others: Registered[]): void {
  expect(body.map((c) => c.id)).toEqual(expected.map((e) => e.id));
  const names = new Map(others.map((o) => [o.user.id, o.user.full_name || o.username]));
  for (const [i, chat] of body.entries()) {
    const want = expected[i]!;
    expect(chat.unread_count, chat.id).toBe(want.unread);
    if (want.last === null) {
      expect(chat.last_message, chat.id).toBeNull();
    } else {
      expect(chat.last_message, chat.id).toMatchObject({ id: want.last.id, content: want.last.content, sender_id: want.last.sender_id, sender_name: names.get(want.last.sender_id), message_type: 'text' });
    }
    expect(chat.participants.length, chat.id).toBe(chat.chat_type === 'single' ? 2 : 3);
  }
}

describe('GET /api/chats at scale', () => {
  it('a user in 1000 chats gets all of them, right, with as many queries as a user in 10', async () => {
    const others = await registerMany(api, OTHERS, (i) => ({ full_name: i % 2 === 0 ? `Friend ${i}` : '' }));
    const big = await register(api);
    const small = await register(api);
    const bigExpected = await seedChats(big, others, 1000);
    const smallExpected = await seedChats(small, others, 10);

    // Warm up both (first requests may do one-off work such as touching the session).
    await api.get('/api/chats', { token: big.token });
    await api.get('/api/chats', { token: small.token });

    const smallRun = await measuredList(small);
    const bigRun = await measuredList(big);
    expect(smallRun.body).toHaveLength(10);
    expect(bigRun.body).toHaveLength(1000);
    check(smallRun.body, smallExpected, others);
    check(bigRun.body, bigExpected, others);
    expectChatShape(bigRun.body[0]);
    expectChatShape(bigRun.body[999]);

    expect(smallRun.sql.length).toBeGreaterThan(0);
    expect(bigRun.sql.length, `10 chats:\n${smallRun.sql.join('\n')}\n\n1000 chats:\n${bigRun.sql.join('\n')}`).toBe(smallRun.sql.length);
  });

  it('GET /api/chats/{id} costs the same number of queries however many chats the user has', async () => {
    const others = await registerMany(api, 3);
    const big = await register(api);
    const small = await register(api);
    const [bigFirst] = await seedChats(big, others, 300);
    const [smallFirst] = await seedChats(small, others, 3);
    await api.get(`/api/chats/${bigFirst!.id}`, { token: big.token });
    await api.get(`/api/chats/${smallFirst!.id}`, { token: small.token });
    const count = async (who: Registered, id: string) => {
      queries = [];
      counting = true;
      const res = await api.get(`/api/chats/${id}`, { token: who.token });
      counting = false;
      expect(res.status).toBe(200);
      return queries.length;
    };
    expect(await count(big, bigFirst!.id)).toBe(await count(small, smallFirst!.id));
  });
});
