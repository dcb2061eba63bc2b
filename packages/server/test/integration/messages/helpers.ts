import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { expect } from 'vitest';
import type { DomainEvent } from '../../../src/realtime/bus/bus.js';
import type { Api, Registered, Reply } from '../../support/client.js';
import type { TestServer } from '../../support/server.js';

/** A well-formed id that names nothing. */
export const UNKNOWN_ID = '01936d3c-7b1a-7c3e-9d52-3f6a1b2c4d5e';

/** Every field of the contract's message object. */
export const MESSAGE_FIELDS = [
  'chat_id',
  'client_id',
  'content',
  'created_at',
  'edited_at',
  'file',
  'file_url',
  'forwarded_from',
  'id',
  'is_deleted',
  'message_type',
  'reactions',
  'read_by',
  'reply_to',
  'reply_to_message',
  'sender_id',
  'sender_name',
  'seq',
  'status',
] as const;

/** Asserts the reply is what we expect, printing the body when it is not. */
export function expectStatus(reply: Reply, status: number): void {
  expect(reply.status, reply.text.slice(0, 500)).toBe(status);
}

/** Opens (or finds) the direct chat between `a` and `b`. */
export async function direct(api: Api, a: Registered, b: Registered): Promise<string> {
  const res = await api.post(`/api/chats/single?identifier=${encodeURIComponent(b.username)}`, { token: a.token });
  expect([200, 201], res.text).toContain(res.status);
  return res.body.chat_id;
}

/** Creates a group owned by `owner` with `members` (its first message, seq 1, is the system "created" line). */
export async function group(api: Api, owner: Registered, members: Registered[], name = 'A group'): Promise<string> {
  const res = await api.post('/api/chats/group', { token: owner.token, body: { name, participant_emails: members.map((m) => m.email) } });
  expectStatus(res, 201);
  return res.body.chat_id;
}

/** Sends a text message (a string, or a full JSON body) and expects 201. */
export async function send(
  api: Api,
  who: Registered,
  chatId: string,
  body: string | Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<any> {
  const res = await api.post(`/api/chats/${chatId}/messages`, { token: who.token, body: typeof body === 'string' ? { content: body } : body, headers });
  expectStatus(res, 201);
  return res.body;
}

/** A multipart form with one file part and optional text fields. */
export function uploadForm(data: Uint8Array, filename: string, type = 'application/octet-stream', fields: Record<string, string> = {}): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) {
    form.append(k, v);
  }
  form.append('file', new Blob([new Uint8Array(data)], { type }), filename);
  return form;
}

/** Sends a file and expects 201. */
export async function sendFile(
  api: Api,
  who: Registered,
  chatId: string,
  data: Uint8Array,
  filename: string,
  fields: Record<string, string> = {},
): Promise<any> {
  const res = await api.post(`/api/chats/${chatId}/messages/file`, { token: who.token, form: uploadForm(data, filename, 'application/octet-stream', fields) });
  expectStatus(res, 201);
  return res.body;
}

/** Fetches a page of messages and expects 200. */
export async function page(api: Api, who: Registered, chatId: string, query = ''): Promise<any> {
  const res = await api.get(`/api/chats/${chatId}/messages${query ? `?${query}` : ''}`, { token: who.token });
  expectStatus(res, 200);
  return res.body;
}

/** One message as `who` sees it. */
export async function getMessage(api: Api, who: Registered, chatId: string, messageId: string): Promise<any> {
  const res = await api.get(`/api/chats/${chatId}/messages/${messageId}`, { token: who.token });
  expectStatus(res, 200);
  return res.body;
}

/** Downloads a server path (a signed file URL) with no headers at all. */
export async function download(server: TestServer, path: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const res = await fetch(server.url + path);
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Every file under the server's uploads directory, relative paths. */
export function storedFiles(server: TestServer): string[] {
  const root = join(server.dataDir, 'uploads');
  const out: string[] = [];
  const walk = (dir: string, prefix: string) => {
    if (!existsSync(dir)) {
      return;
    }
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) {
        walk(full, `${prefix}${name}/`);
      } else {
        out.push(`${prefix}${name}`);
      }
    }
  };
  walk(root, '');
  return out.sort();
}

/** A PNG of this size (two colours, so it is a real picture). */
export function png(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 30 } } })
    .png()
    .toBuffer();
}

/** The text hidden in the EXIF of `jpegWithExif()`; it must never leave the server. */
export const EXIF_MARKER = 'GPS-35.6892N-51.3890E-Secret-Marker';

/** A JPEG carrying private EXIF (GPS-like text in several tags). */
export function jpegWithExif(width = 800, height = 600): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 20, g: 90, b: 200 } } })
    .jpeg()
    .withExif({ IFD0: { ImageDescription: EXIF_MARKER, Copyright: EXIF_MARKER, Artist: EXIF_MARKER } })
    .toBuffer();
}

/** Collects every event the bus publishes until `stop()`. */
export function recordEvents(server: TestServer): { events: DomainEvent[]; stop: () => void; ofType: (type: string) => DomainEvent[] } {
  const events: DomainEvent[] = [];
  const stop = server.services.bus.subscribe((e) => events.push(e));
  return { events, stop, ofType: (type) => events.filter((e) => e.type === type) };
}

/** Stored event rows with an id above `afterId`, oldest first. */
export async function storedEventsAfter(
  server: TestServer,
  afterId: number,
): Promise<Array<{ id: number; type: string; chat_id: string | null; payload: any }>> {
  const rows = await server.storage.db.selectFrom('events').selectAll().where('id', '>', afterId).orderBy('id').execute();
  return rows.map((r) => ({ id: Number(r.id), type: r.type, chat_id: r.chat_id, payload: JSON.parse(r.payload) }));
}

/** The newest event id so far (0 when none). */
export function newestEventId(server: TestServer): Promise<number> {
  return server.services.events.newestId();
}

/** How many message rows a chat holds. */
export async function messageRows(server: TestServer, chatId: string): Promise<number> {
  const row = await server.storage.db
    .selectFrom('messages')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('chat_id', '=', chatId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
