import sharp from 'sharp';
import { expect } from 'vitest';
import type { DomainEvent } from '../../../src/realtime/bus/bus.js';
import { type Api, register, type Registered } from '../../support/client.js';
import type { TestServer } from '../../support/server.js';

/** A well-formed id that names nothing. */
export const UNKNOWN_ID = '01936d3c-7b1a-7c3e-9d52-3f6a1b2c4d5e';

/** The keys of a chat in the list, as the FastAPI seed and the contract name them. */
export const CHAT_KEYS = [
  'id',
  'chat_type',
  'group_name',
  'group_image',
  'description',
  'is_public',
  'participants',
  'last_message',
  'unread_count',
  'my_role',
  'is_archived',
  'is_muted',
  'created_at',
  'updated_at',
];
export const LAST_MESSAGE_KEYS = ['id', 'content', 'message_type', 'sender_id', 'sender_name', 'created_at'];
export const USER_KEYS = ['id', 'username', 'email', 'full_name', 'profile_image', 'bio', 'is_online', 'last_seen', 'created_at'];

/** Registers `n` fresh users, in order (so their creation times are ordered too). */
export async function registerMany(api: Api, n: number, overrides: (i: number) => Record<string, string> = () => ({})): Promise<Registered[]> {
  const users: Registered[] = [];
  for (let i = 0; i < n; i += 1) {
    users.push(await register(api, overrides(i)));
  }
  return users;
}

/** Opens the direct chat of `me` with `identifier` (FastAPI seed form: ?identifier=) and returns its id. */
export async function openDirect(api: Api, me: Registered, identifier: string): Promise<string> {
  const res = await api.post(`/api/chats/single?identifier=${encodeURIComponent(identifier)}`, { token: me.token });
  if (res.status !== 201 && res.status !== 200) {
    throw new Error(`open direct failed: ${res.status} ${res.text}`);
  }
  return res.body.chat_id;
}

/** Creates a group by JSON; `members` are added by username. Returns the chat id. */
export async function createGroup(
  api: Api,
  owner: Registered,
  members: Registered[] = [],
  extra: Record<string, unknown> = {},
): Promise<string> {
  const res = await api.post('/api/chats/group', {
    token: owner.token,
    body: { name: `Group ${Math.random().toString(36).slice(2, 8)}`, participant_emails: members.map((m) => m.username), ...extra },
  });
  if (res.status !== 201) {
    throw new Error(`create group failed: ${res.status} ${res.text}`);
  }
  return res.body.chat_id;
}

/** Sends a text message the FastAPI seed's way (?content=) and returns it. */
export async function send(api: Api, who: Registered, chatId: string, content: string): Promise<any> {
  const res = await api.post(`/api/chats/${chatId}/messages?content=${encodeURIComponent(content)}`, { token: who.token });
  if (res.status !== 201) {
    throw new Error(`send failed: ${res.status} ${res.text}`);
  }
  return res.body;
}

/** All messages of a chat (up to 200), oldest first. */
export async function messagesOf(api: Api, who: Registered, chatId: string): Promise<any[]> {
  const res = await api.get(`/api/chats/${chatId}/messages?limit=200`, { token: who.token });
  if (res.status !== 200) {
    throw new Error(`messages failed: ${res.status} ${res.text}`);
  }
  return res.body.messages;
}

/** The texts of the chat's system messages, oldest first. */
export async function systemTexts(api: Api, who: Registered, chatId: string): Promise<string[]> {
  return (await messagesOf(api, who, chatId)).filter((m) => m.message_type === 'system').map((m) => m.content);
}

/** GET /api/chats (or /api/chats/archived) as `who`. */
export async function listChats(api: Api, who: Registered, archived = false): Promise<any[]> {
  const res = await api.get(archived ? '/api/chats/archived' : '/api/chats', { token: who.token });
  if (res.status !== 200) {
    throw new Error(`list failed: ${res.status} ${res.text}`);
  }
  return res.body;
}

/** One chat as `who` sees it (must succeed). */
export async function chatOf(api: Api, who: Registered, chatId: string): Promise<any> {
  const res = await api.get(`/api/chats/${chatId}`, { token: who.token });
  if (res.status !== 200) {
    throw new Error(`get chat failed: ${res.status} ${res.text}`);
  }
  return res.body;
}

/** The role of each member, by user id. */
export async function rolesOf(server: TestServer, chatId: string): Promise<Record<string, string>> {
  const rows = await server.storage.db.selectFrom('chat_members').select(['user_id', 'role']).where('chat_id', '=', chatId).execute();
  return Object.fromEntries(rows.map((r) => [r.user_id, r.role]));
}

/** A real PNG made with sharp. */
export async function png(width = 64, height = 48, background = '#3366cc'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background } })
    .png()
    .toBuffer();
}

/** A Blob of bytes, for FormData. */
export function blob(data: Uint8Array, type = 'image/png'): Blob {
  return new Blob([new Uint8Array(data)], { type });
}

/** Records every event published on the bus until stopped. */
export function captureEvents(server: TestServer): { events: DomainEvent[]; clear(): void; stop(): void } {
  const events: DomainEvent[] = [];
  const stop = server.services.bus.subscribe((e) => events.push(e));
  return {
    events,
    clear: () => {
      events.length = 0;
    },
    stop: () => {
      stop();
    },
  };
}

/** The newest id in the events table (0 when empty). */
export async function lastEventId(server: TestServer): Promise<number> {
  const row = await server.storage.db
    .selectFrom('events')
    .select((eb) => eb.fn.max<number>('id').as('id'))
    .executeTakeFirst();
  return row?.id == null ? 0 : Number(row.id);
}

/** Stored events after `afterId`, in id order, with parsed payloads. */
export async function storedEventsAfter(server: TestServer, afterId: number): Promise<Array<Omit<DomainEvent, 'created_at'>>> {
  const rows = await server.storage.db.selectFrom('events').selectAll().where('id', '>', afterId).orderBy('id').execute();
  return rows.map((r) => ({ id: Number(r.id), chat_id: r.chat_id, user_id: r.user_id, type: r.type, payload: JSON.parse(r.payload) }));
}

/** Asserts `chat` has every key the contract names, and its last message and participants too. */
export function expectChatShape(chat: any): void {
  expect(Object.keys(chat)).toEqual(expect.arrayContaining(CHAT_KEYS));
  if (chat.last_message !== null) {
    expect(Object.keys(chat.last_message)).toEqual(expect.arrayContaining(LAST_MESSAGE_KEYS));
  }
  for (const p of chat.participants) {
    expect(Object.keys(p)).toEqual(expect.arrayContaining(USER_KEYS));
  }
}
