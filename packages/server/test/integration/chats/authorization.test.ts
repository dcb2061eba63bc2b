import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type Registered, type Reply } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';
import { blob, createGroup, openDirect, png, registerMany, rolesOf, send, UNKNOWN_ID } from './helpers.js';

let server: TestServer;
let api: Api;

/** Every operation of the served OpenAPI document under /api/chats, as "METHOD /path". */
let operations: string[];

let owner: Registered;
let admin: Registered;
let member: Registered;
let outsider: Registered;
let chatId: string;
let messageId: string;
let outsiderChat: string;
let image: Buffer;

const SECRET_NAME = 'Confidential Cabal';
const SECRET_TEXT = 'the launch code is 0000';

beforeAll(async () => {
  server = await startServer();
  api = new Api(server.url);
  const doc = (await api.get('/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
  operations = Object.entries(doc.paths)
    .filter(([path]) => path.startsWith('/api/chats'))
    .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));
  [owner, admin, member, outsider] = (await registerMany(api, 4)) as [Registered, Registered, Registered, Registered];
  chatId = await createGroup(api, owner, [admin, member], { name: SECRET_NAME, description: 'eyes only' });
  await api.post(`/api/chats/${chatId}/admins/${admin.user.id}`, { token: owner.token });
  messageId = (await send(api, owner, chatId, SECRET_TEXT)).id;
  outsiderChat = await createGroup(api, outsider);
  image = await png(20, 20);
}, 60_000);
afterAll(() => server.close());

function fileForm(): FormData {
  const form = new FormData();
  form.append('file', blob(image), 'x.png');
  return form;
}

/** A request that would be valid for a member, so only the access rules can refuse it. */
function requestFor(op: string, ids: { chat: string; message: string; user: string }): { method: string; path: string; body?: unknown; form?: FormData } {
  const [method, template] = op.split(' ') as [string, string];
  let path = template.replace('{id}', ids.chat).replace('{message_id}', ids.message).replace('{user_id}', ids.user);
  const bodies: Record<string, unknown> = {
    'POST /api/chats/single': { user_id: ids.user },
    'POST /api/chats/group': { name: 'x' },
    'POST /api/chats/{id}/mute': { duration_seconds: 60 },
    'POST /api/chats/{id}/participants': { emails: [outsider.email] },
    'PUT /api/chats/{id}/group': { name: 'Hijacked' },
    'POST /api/chats/{id}/messages': { content: 'let me in' },
    'PUT /api/chats/{id}/messages/{message_id}': { content: 'rewritten' },
    'POST /api/chats/{id}/messages/{message_id}/react': { emoji: '👍' },
    'POST /api/chats/{id}/messages/{message_id}/forward': { target_chat_ids: [outsiderChat] },
  };
  if (op === 'GET /api/chats/{id}/messages/search') {
    path += '?query=launch';
  }
  if (op === 'POST /api/chats/{id}/messages/file') {
    return { method, path, form: fileForm() };
  }
  return { method, path, body: bodies[op] };
}

async function call(op: string, token: string | undefined, ids: { chat: string; message: string; user: string }): Promise<Reply> {
  const r = requestFor(op, ids);
  return api.request(r.method, r.path, { token, ...(r.body !== undefined ? { body: r.body } : {}), ...(r.form ? { form: r.form } : {}) });
}

const chatScoped = () => operations.filter((op) => op.includes('{id}'));

function expectNoLeak(res: Reply, op: string): void {
  for (const secret of [SECRET_NAME, SECRET_TEXT, 'eyes only', owner.user.id, owner.username, member.user.id, admin.username]) {
    expect(res.text.includes(secret), `${op} leaked ${secret}: ${res.text}`).toBe(false);
  }
}

describe('chat routes and who may call them', () => {
  it('the route list covers every chat-scoped operation the contract names', () => {
    const expected = [
      'GET /api/chats/{id}',
      'DELETE /api/chats/{id}',
      'POST /api/chats/{id}/archive',
      'POST /api/chats/{id}/unarchive',
      'POST /api/chats/{id}/join',
      'POST /api/chats/{id}/leave',
      'POST /api/chats/{id}/mute',
      'POST /api/chats/{id}/unmute',
      'POST /api/chats/{id}/participants',
      'DELETE /api/chats/{id}/participants/{user_id}',
      'PUT /api/chats/{id}/group',
      'POST /api/chats/{id}/admins/{user_id}',
      'DELETE /api/chats/{id}/admins/{user_id}',
      'GET /api/chats/{id}/messages',
      'POST /api/chats/{id}/messages',
      'POST /api/chats/{id}/messages/file',
      'POST /api/chats/{id}/messages/read-all',
      'GET /api/chats/{id}/messages/search',
      'GET /api/chats/{id}/messages/{message_id}',
      'PUT /api/chats/{id}/messages/{message_id}',
      'DELETE /api/chats/{id}/messages/{message_id}',
      'POST /api/chats/{id}/messages/{message_id}/read',
      'POST /api/chats/{id}/messages/{message_id}/react',
      'POST /api/chats/{id}/messages/{message_id}/forward',
    ];
    expect(chatScoped()).toEqual(expect.arrayContaining(expected));
  });

  it('anonymous: every /api/chats route answers 401 not_authenticated', async () => {
    expect(operations.length).toBeGreaterThan(25);
    for (const op of operations) {
      const res = await call(op, undefined, { chat: chatId, message: messageId, user: member.user.id });
      expectProblem(res, 401, 'not_authenticated');
      expectNoLeak(res, op);
    }
    // A bad token is the same.
    for (const op of chatScoped()) {
      const res = await call(op, 'not.a.token', { chat: chatId, message: messageId, user: member.user.id });
      expect(res.status, op).toBe(401);
    }
  });

  it('a non-member: 403 not_a_member on every chat-scoped route (join: not_public), and no chat data in the answer', async () => {
    for (const op of chatScoped()) {
      const res = await call(op, outsider.token, { chat: chatId, message: messageId, user: member.user.id });
      expectProblem(res, 403, op === 'POST /api/chats/{id}/join' ? 'not_public' : 'not_a_member');
      expect(Object.keys(res.body).sort(), op).toEqual(['code', 'detail', 'status', 'title', 'type']);
      expectNoLeak(res, op);
    }
    // Nothing changed.
    expect(await rolesOf(server, chatId)).toEqual({ [owner.user.id]: 'owner', [admin.user.id]: 'admin', [member.user.id]: 'member' });
    const group = await api.get(`/api/chats/${chatId}`, { token: owner.token });
    expect(group.body.group_name).toBe(SECRET_NAME);
    const messages = (await api.get(`/api/chats/${chatId}/messages`, { token: owner.token })).body.messages as Array<{ id: string; content: string }>;
    expect(messages.find((m) => m.id === messageId)?.content).toBe(SECRET_TEXT);
    expect(messages.some((m) => m.content === 'let me in')).toBe(false);
  });

  it('an unknown chat: 404 chat_not_found on every chat-scoped route', async () => {
    for (const op of chatScoped()) {
      const res = await call(op, outsider.token, { chat: UNKNOWN_ID, message: messageId, user: member.user.id });
      expectProblem(res, 404, 'chat_not_found');
    }
  });

  it('a plain member: 403 where an admin or the owner is needed, and nothing changes', async () => {
    const refusals: Array<[string, string, number, string]> = [
      ['POST', `/api/chats/${chatId}/participants`, 403, 'chat_admin_required'],
      ['DELETE', `/api/chats/${chatId}/participants/${admin.user.id}`, 403, 'chat_admin_required'],
      ['DELETE', `/api/chats/${chatId}/participants/${owner.user.id}`, 403, 'chat_admin_required'],
      ['PUT', `/api/chats/${chatId}/group`, 403, 'chat_admin_required'],
      ['POST', `/api/chats/${chatId}/admins/${member.user.id}`, 403, 'chat_admin_required'],
      ['DELETE', `/api/chats/${chatId}/admins/${admin.user.id}`, 403, 'chat_owner_required'],
      ['DELETE', `/api/chats/${chatId}`, 403, 'chat_owner_required'],
      ['PUT', `/api/chats/${chatId}/messages/${messageId}`, 403, 'not_sender'],
      ['DELETE', `/api/chats/${chatId}/messages/${messageId}`, 403, 'not_sender'],
    ];
    const bodies: Record<string, unknown> = { POST: { emails: [outsider.email] }, PUT: { name: 'Hijacked', content: 'rewritten' } };
    for (const [method, path, status, code] of refusals) {
      const body = path.includes('/messages/') ? { content: 'rewritten' } : bodies[method];
      const res = await api.request(method, path, { token: member.token, ...(body ? { body } : {}) });
      expectProblem(res, status, code);
    }
    expect(await rolesOf(server, chatId)).toEqual({ [owner.user.id]: 'owner', [admin.user.id]: 'admin', [member.user.id]: 'member' });
    expect((await api.get(`/api/chats/${chatId}`, { token: member.token })).body.group_name).toBe(SECRET_NAME);
  });

  it('an admin: 403 chat_owner_required where only the owner may act', async () => {
    const second = (await registerMany(api, 1))[0]!;
    await api.post(`/api/chats/${chatId}/participants`, { token: owner.token, body: { emails: [second.email] } });
    await api.post(`/api/chats/${chatId}/admins/${second.user.id}`, { token: owner.token });
    expectProblem(await api.delete(`/api/chats/${chatId}`, { token: admin.token }), 403, 'chat_owner_required');
    expectProblem(await api.delete(`/api/chats/${chatId}/admins/${second.user.id}`, { token: admin.token }), 403, 'chat_owner_required');
    expectProblem(await api.delete(`/api/chats/${chatId}/participants/${second.user.id}`, { token: admin.token }), 403, 'chat_owner_required');
    expectProblem(await api.delete(`/api/chats/${chatId}/participants/${owner.user.id}`, { token: admin.token }), 403, 'cannot_remove_owner');
    expect((await rolesOf(server, chatId))[second.user.id]).toBe('admin');
  });

  it('a member of a direct chat cannot use group-only actions (400 not_a_group) and the chat stays as it was', async () => {
    const direct = await openDirect(api, member, outsider.username);
    const attempts: Array<[string, string, unknown]> = [
      ['POST', `/api/chats/${direct}/participants`, { emails: [owner.email] }],
      ['DELETE', `/api/chats/${direct}/participants/${outsider.user.id}`, undefined],
      ['PUT', `/api/chats/${direct}/group`, { name: 'x' }],
      ['POST', `/api/chats/${direct}/admins/${outsider.user.id}`, undefined],
      ['DELETE', `/api/chats/${direct}/admins/${outsider.user.id}`, undefined],
      ['POST', `/api/chats/${direct}/leave`, undefined],
      ['DELETE', `/api/chats/${direct}`, undefined],
    ];
    for (const [method, path, body] of attempts) {
      expectProblem(await api.request(method, path, { token: member.token, ...(body ? { body } : {}) }), 400, 'not_a_group');
    }
    expect(Object.keys(await rolesOf(server, direct)).sort()).toEqual([member.user.id, outsider.user.id].sort());
  });
});
