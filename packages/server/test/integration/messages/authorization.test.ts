import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, register, type Registered, type RequestOptions } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';
import { direct, expectStatus, getMessage, group, page, png, send, sendFile, uploadForm } from './helpers.js';

let server: TestServer;
let api: Api;

let a: Registered;
let b: Registered;
let outsider: Registered;
/** a and b's group, which the outsider is not in. */
let chat: string;
/** a chat of the outsider's own (for forward targets). */
let outsiderChat: string;
let message: any;
let fileMessage: any;

const SECRET = 'the secret plan: meet at dawn';

beforeAll(async () => {
  server = await startServer();
  api = new Api(server.url);
  a = await register(api, { full_name: 'Alice Member' });
  b = await register(api);
  outsider = await register(api);
  chat = await group(api, a, [b], 'Members only');
  outsiderChat = await direct(api, outsider, b);
  message = await send(api, a, chat, SECRET);
  fileMessage = await sendFile(api, a, chat, await png(40, 40), 'secret-map.png');
});
afterAll(() => server.close());

interface Route {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: () => string;
  opts?: () => RequestOptions;
}

// Every route that acts on a chat's messages, with a request that would succeed for a member.
const ROUTES: Route[] = [
  { name: 'list', method: 'GET', path: () => `/api/chats/${chat}/messages` },
  { name: 'list with cursor', method: 'GET', path: () => `/api/chats/${chat}/messages?after_seq=0&limit=10` },
  { name: 'send (JSON)', method: 'POST', path: () => `/api/chats/${chat}/messages`, opts: () => ({ body: { content: 'intruder' } }) },
  { name: 'send (query)', method: 'POST', path: () => `/api/chats/${chat}/messages?content=intruder` },
  { name: 'send with client_id', method: 'POST', path: () => `/api/chats/${chat}/messages`, opts: () => ({ body: { content: 'x', client_id: 'c-1' } }) },
  { name: 'send file', method: 'POST', path: () => `/api/chats/${chat}/messages/file`, opts: () => ({ form: uploadForm(Buffer.from('intruder'), 'i.txt') }) },
  { name: 'search chat', method: 'GET', path: () => `/api/chats/${chat}/messages/search?query=secret` },
  { name: 'read-all', method: 'POST', path: () => `/api/chats/${chat}/messages/read-all` },
  { name: 'get one', method: 'GET', path: () => `/api/chats/${chat}/messages/${message.id}` },
  { name: 'get file message', method: 'GET', path: () => `/api/chats/${chat}/messages/${fileMessage.id}` },
  { name: 'edit', method: 'PUT', path: () => `/api/chats/${chat}/messages/${message.id}`, opts: () => ({ body: { content: 'defaced' } }) },
  { name: 'delete', method: 'DELETE', path: () => `/api/chats/${chat}/messages/${message.id}` },
  { name: 'edit history', method: 'GET', path: () => `/api/chats/${chat}/messages/${message.id}/history` },
  { name: 'read one', method: 'POST', path: () => `/api/chats/${chat}/messages/${message.id}/read` },
  { name: 'react', method: 'POST', path: () => `/api/chats/${chat}/messages/${message.id}/react`, opts: () => ({ body: { emoji: '👀' } }) },
  {
    name: 'forward',
    method: 'POST',
    path: () => `/api/chats/${chat}/messages/${message.id}/forward`,
    opts: () => ({ body: { target_chat_ids: [outsiderChat] } }),
  },
];

function call(route: Route, token?: string, headers: Record<string, string> = {}) {
  return api.request(route.method, route.path(), { ...(route.opts?.() ?? {}), token, headers });
}

/** Nothing of the chat's messages in a reply body. */
function expectNoLeak(text: string): void {
  for (const needle of [SECRET, 'secret-map', a.user.id, 'Alice Member', fileMessage.file.id, '/uploads/files/']) {
    expect(text).not.toContain(needle);
  }
}

describe('message routes without a token', () => {
  it.each(ROUTES.map((r) => [r.name, r] as const))('%s → 401 not_authenticated', async (_name, route) => {
    const res = await call(route);
    expectProblem(res, 401, 'not_authenticated');
    expectNoLeak(res.text);
  });

  it('GET /api/messages/search → 401', async () => {
    expectProblem(await api.get('/api/messages/search?q=secret'), 401, 'not_authenticated');
  });

  it('a bad token → 401 invalid_token', async () => {
    for (const route of ROUTES.slice(0, 4)) {
      const res = await call(route, 'not.a.token');
      expect(res.status, route.name).toBe(401);
      expect(['invalid_token', 'not_authenticated']).toContain(res.body.code);
    }
  });

  it('401 comes before validation: an anonymous request with a bad body is still 401', async () => {
    expectProblem(await api.post(`/api/chats/${chat}/messages`, { body: { content: '' } }), 401, 'not_authenticated');
    expectProblem(await api.put(`/api/chats/${chat}/messages/${message.id}`, { body: {} }), 401, 'not_authenticated');
  });
});

describe('message routes for a non-member', () => {
  it.each(ROUTES.map((r) => [r.name, r] as const))('%s → 403 not_a_member, leaking nothing', async (_name, route) => {
    const res = await call(route, outsider.token);
    expectProblem(res, 403, 'not_a_member');
    expectNoLeak(res.text);
  });

  it('the detail follows Accept-Language', async () => {
    const res = await call(ROUTES[0] as Route, outsider.token, { 'accept-language': 'ar' });
    expectProblem(res, 403, 'not_a_member');
    expect(res.body.detail).toBe('لست عضوًا في هذه المحادثة.');
    const fa = await call(ROUTES[0] as Route, outsider.token, { 'accept-language': 'fa' });
    expect(fa.body.detail).toBe('شما عضو این گفتگو نیستید.');
  });

  it('the global search never shows the chat', async () => {
    const res = await api.get('/api/messages/search?q=secret', { token: outsider.token });
    expectStatus(res, 200);
    expect(res.body).toEqual([]);
  });

  it('after all those attempts the chat is untouched', async () => {
    const list = await page(api, b, chat);
    expect(list.total).toBe(3);
    expect(list.messages.map((m: { sender_id: string }) => m.sender_id)).toEqual([a.user.id, a.user.id, a.user.id]);
    const m = await getMessage(api, b, chat, message.id);
    expect(m).toMatchObject({ content: SECRET, is_deleted: false, edited_at: null, reactions: {} });
    expect(m.read_by).not.toContain(outsider.user.id);
    expect((await page(api, outsider, outsiderChat)).messages).toEqual([]);
  });

  it('a member who left loses access like anyone else', async () => {
    const leaver = await register(api);
    const g = await group(api, a, [leaver]);
    const m = await send(api, a, g, 'before you left');
    expectStatus(await api.post(`/api/chats/${g}/leave`, { token: leaver.token }), 200);
    expectProblem(await api.get(`/api/chats/${g}/messages`, { token: leaver.token }), 403, 'not_a_member');
    expectProblem(await api.get(`/api/chats/${g}/messages/${m.id}`, { token: leaver.token }), 403, 'not_a_member');
    expectProblem(await api.post(`/api/chats/${g}/messages/${m.id}/react`, { token: leaver.token, body: { emoji: '👋' } }), 403, 'not_a_member');
    const found = await api.get('/api/messages/search?q=before', { token: leaver.token });
    expect(found.body).toEqual([]);
  });

  it('a removed member loses access too', async () => {
    const removed = await register(api);
    const g = await group(api, a, [removed]);
    await send(api, a, g, 'x');
    expectStatus(await api.delete(`/api/chats/${g}/participants/${removed.user.id}`, { token: a.token }), 200);
    expectProblem(await api.get(`/api/chats/${g}/messages`, { token: removed.token }), 403, 'not_a_member');
    expectProblem(await api.post(`/api/chats/${g}/messages`, { token: removed.token, body: { content: 'x' } }), 403, 'not_a_member');
  });

  it('file URLs handed out before need no membership check, but a non-member never gets one', async () => {
    // The signature is the capability: members got it with the message. An outsider cannot get the
    // message, so cannot get the URL; guessing one is 404.
    const res = await api.get(`/uploads/files/${fileMessage.file.id}?exp=${Date.now() + 60_000}&sig=guess`);
    expectProblem(res, 404, 'file_not_found');
  });
});
