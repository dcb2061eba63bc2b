import { request as httpRequest } from 'node:http';
import { newId } from '../../../src/lib/ids.js';
import { type Api, register, type Registered } from '../../support/client.js';
import type { TestServer } from '../../support/server.js';

/** The email ADMIN_EMAILS names in these tests: registering it makes an admin. */
export const BOSS_EMAIL = 'boss@example.com';

/** Registers the configured admin (the server must be started with ADMIN_EMAILS = BOSS_EMAIL). */
export async function registerAdmin(api: Api, overrides: Record<string, string> = {}): Promise<Registered> {
  const admin = await register(api, { email: BOSS_EMAIL, ...overrides });
  if (admin.user.role !== 'admin') {
    throw new Error(`expected ${BOSS_EMAIL} to become an admin, got role ${String(admin.user.role)}`);
  }
  return admin;
}

/** Logs in again (a second session of the same user, like a second device). */
export async function login(api: Api, identifier: string, password: string): Promise<{ token: string; refresh: string }> {
  const res = await api.post('/api/auth/login', { body: { identifier, password } });
  if (res.status !== 200) {
    throw new Error(`login failed: ${res.status} ${res.text}`);
  }
  return { token: res.body.access_token, refresh: res.body.refresh_token };
}

/**
 * Puts `userIds` in one chat by writing the rows directly (there is no chats API yet).
 * `deleted` makes the chat a deleted one, which must not count as shared.
 */
export async function shareChat(server: TestServer, userIds: string[], opts: { deleted?: boolean } = {}): Promise<string> {
  const now = server.clock.now();
  const id = newId();
  await server.storage.db
    .insertInto('chats')
    .values({
      id,
      type: userIds.length === 2 ? 'single' : 'group',
      name: userIds.length === 2 ? null : 'A group',
      description: null,
      image: null,
      is_public: 0,
      direct_key: userIds.length === 2 ? [...userIds].sort().join(':') : null,
      created_by: userIds[0] ?? null,
      last_activity_at: now,
      created_at: now,
      updated_at: now,
      deleted_at: opts.deleted ? now : null,
    })
    .execute();
  await server.storage.db
    .insertInto('chat_members')
    .values(
      userIds.map((user_id, i) => ({
        chat_id: id,
        user_id,
        role: i === 0 ? ('owner' as const) : ('member' as const),
        joined_at: now,
        archived_at: null,
        muted_until: null,
      })),
    )
    .execute();
  return id;
}

/** A multipart form with one file part (field `file` unless told otherwise). */
export function fileForm(data: Uint8Array, filename = 'avatar.png', type = 'image/png', field = 'file'): FormData {
  const form = new FormData();
  form.append(field, new Blob([new Uint8Array(data)], { type }), filename);
  return form;
}

/**
 * A GET sent with the path exactly as given: fetch and URL normalise `..` segments away before
 * sending, which would hide what the server does with them.
 */
export function rawGet(baseUrl: string, path: string): Promise<{ status: number; body: Buffer; contentType: string }> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method: 'GET', path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), contentType: String(res.headers['content-type'] ?? '') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Downloads a URL path from the server as bytes. */
export async function download(baseUrl: string, path: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const res = await fetch(baseUrl + path);
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}
