import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type Registered } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';
import { chatOf, createGroup, listChats, openDirect, registerMany, rolesOf, systemTexts, UNKNOWN_ID } from './helpers.js';

let server: TestServer;
let api: Api;

beforeAll(async () => {
  server = await startServer();
  api = new Api(server.url);
});
afterAll(() => server.close());

let tagCounter = 0;
/** A word no other test's group names contain, to search by. */
function tag(): string {
  tagCounter += 1;
  return `zq${tagCounter}x${Math.random().toString(36).slice(2, 7)}`;
}

async function discover(who: Registered, query: string) {
  const res = await api.get(`/api/chats/public?query=${encodeURIComponent(query)}`, { token: who.token });
  expect(res.status, res.text).toBe(200);
  return res.body as any[];
}

describe('GET /api/chats/public', () => {
  it('lists public groups with member_count and is_member; never private groups or direct chats', async () => {
    const t = tag();
    const [owner, m1, visitor] = await registerMany(api, 3);
    const open = await createGroup(api, owner!, [m1!], { name: `Open ${t}`, description: 'come in', is_public: true });
    await createGroup(api, owner!, [m1!], { name: `Closed ${t}` });
    await openDirect(api, owner!, visitor!.username);
    const asVisitor = await discover(visitor!, t);
    expect(asVisitor).toEqual([
      {
        id: open,
        group_name: `Open ${t}`,
        group_image: null,
        description: 'come in',
        member_count: 2,
        is_member: false,
        last_activity_at: expect.any(String),
        created_at: expect.any(String),
      },
    ]);
    expect((await discover(m1!, t))[0].is_member).toBe(true);
  });

  it('matches name or description, case-insensitively; q= works too; in any script', async () => {
    const t = tag();
    const [owner, visitor] = await registerMany(api, 2);
    const byName = await createGroup(api, owner!, [], { name: `Hikers ${t}`, is_public: true });
    const byDescription = await createGroup(api, owner!, [], { name: 'Walkers', description: `We walk. ${t.toUpperCase()}`, is_public: true });
    const persian = await createGroup(api, owner!, [], { name: `کوه‌نوردان ${t}`, is_public: true });
    const ids = (await discover(visitor!, t.toUpperCase())).map((g) => g.id).sort();
    expect(ids).toEqual([byName, byDescription, persian].sort());
    const viaQ = await api.get(`/api/chats/public?q=hikers%20${t}`, { token: visitor!.token });
    expect(viaQ.body.map((g: { id: string }) => g.id)).toEqual([byName]);
    expect((await discover(visitor!, `کوه‌نوردان ${t}`)).map((g) => g.id)).toEqual([persian]);
  });

  it('LIKE wildcards in the query are literal', async () => {
    const t = tag();
    const [owner, visitor] = await registerMany(api, 2);
    const percent = await createGroup(api, owner!, [], { name: `100% ${t}`, is_public: true });
    await createGroup(api, owner!, [], { name: `1000 ${t}`, is_public: true });
    expect((await discover(visitor!, `100% ${t}`)).map((g) => g.id)).toEqual([percent]);
    expect(await discover(visitor!, `_00 ${t}`)).toEqual([]);
  });

  it('without a query lists public groups, most active first, with skip/limit', async () => {
    const t = tag();
    const [owner, visitor] = await registerMany(api, 2);
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      server.clock.advance(1000);
      ids.push(await createGroup(api, owner!, [], { name: `Paged ${i} ${t}`, is_public: true }));
    }
    const all = await api.get('/api/chats/public', { token: visitor!.token });
    expect(all.status).toBe(200);
    expect(all.body.slice(0, 3).map((g: { id: string }) => g.id)).toEqual([...ids].reverse());
    const page = await api.get(`/api/chats/public?query=${t}&skip=1&limit=1`, { token: visitor!.token });
    expect(page.body.map((g: { id: string }) => g.id)).toEqual([ids[1]]);
    expectProblem(await api.get('/api/chats/public?limit=0', { token: visitor!.token }), 400, 'validation_failed');
  });

  it('a group made public later is listed; made private again, it is not', async () => {
    const t = tag();
    const [owner, visitor] = await registerMany(api, 2);
    const chatId = await createGroup(api, owner!, [], { name: `Later ${t}` });
    expect(await discover(visitor!, t)).toEqual([]);
    await api.put(`/api/chats/${chatId}/group`, { token: owner!.token, body: { is_public: true } });
    expect((await discover(visitor!, t)).map((g) => g.id)).toEqual([chatId]);
    await api.put(`/api/chats/${chatId}/group`, { token: owner!.token, body: { is_public: false } });
    expect(await discover(visitor!, t)).toEqual([]);
    expectProblem(await api.post(`/api/chats/${chatId}/join`, { token: visitor!.token }), 403, 'not_public');
  });

  it('401 without a token', async () => {
    expectProblem(await api.get('/api/chats/public'), 401, 'not_authenticated');
  });
});

describe('POST /api/chats/{id}/join', () => {
  it('joins a public group → {status:"joined"}: a member now, with a "joined" system message', async () => {
    const t = tag();
    const [owner, visitor] = await registerMany(api, 2, (i) => ({ full_name: ['Owner', 'Vida Visitor'][i]! }));
    const chatId = await createGroup(api, owner!, [], { name: `Join me ${t}`, is_public: true });
    const res = await api.post(`/api/chats/${chatId}/join`, { token: visitor!.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'joined' });
    expect((await rolesOf(server, chatId))[visitor!.user.id]).toBe('member');
    expect((await chatOf(api, visitor!, chatId)).my_role).toBe('member');
    expect((await listChats(api, visitor!)).map((c) => c.id)).toContain(chatId);
    expect(await discover(visitor!, t)).toEqual([expect.objectContaining({ id: chatId, member_count: 2, is_member: true })]);
    expect((await systemTexts(api, owner!, chatId)).at(-1)).toBe('Vida Visitor joined');
  });

  it('is idempotent: joining again changes nothing', async () => {
    const [owner, visitor] = await registerMany(api, 2);
    const chatId = await createGroup(api, owner!, [], { is_public: true });
    await api.post(`/api/chats/${chatId}/join`, { token: visitor!.token });
    const before = await systemTexts(api, owner!, chatId);
    const again = await api.post(`/api/chats/${chatId}/join`, { token: visitor!.token });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ status: 'joined' });
    expect(await systemTexts(api, owner!, chatId)).toEqual(before);
    expect(Object.keys(await rolesOf(server, chatId))).toHaveLength(2);
    // The owner "joining" keeps their role.
    expect((await api.post(`/api/chats/${chatId}/join`, { token: owner!.token })).status).toBe(200);
    expect((await rolesOf(server, chatId))[owner!.user.id]).toBe('owner');
  });

  it('concurrent joins by the same user add them once', async () => {
    const [owner, visitor] = await registerMany(api, 2);
    const chatId = await createGroup(api, owner!, [], { is_public: true });
    const replies = await Promise.all(Array.from({ length: 4 }, () => api.post(`/api/chats/${chatId}/join`, { token: visitor!.token })));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(Object.keys(await rolesOf(server, chatId))).toHaveLength(2);
    expect((await systemTexts(api, owner!, chatId)).filter((s) => s.endsWith(' joined'))).toHaveLength(1);
  });

  it('403 not_public for a private group or a direct chat; nothing changes', async () => {
    const [owner, other, visitor] = await registerMany(api, 3);
    const privateGroup = await createGroup(api, owner!, [other!]);
    const res = await api.post(`/api/chats/${privateGroup}/join`, { token: visitor!.token });
    expectProblem(res, 403, 'not_public');
    expect(Object.keys(await rolesOf(server, privateGroup))).toHaveLength(2);
    const direct = await openDirect(api, owner!, other!.username);
    expectProblem(await api.post(`/api/chats/${direct}/join`, { token: visitor!.token }), 403, 'not_public');
    expect(Object.keys(await rolesOf(server, direct))).toHaveLength(2);
  });

  it('404 chat_not_found for an unknown chat; 401 without a token', async () => {
    const [visitor] = await registerMany(api, 1);
    expectProblem(await api.post(`/api/chats/${UNKNOWN_ID}/join`, { token: visitor!.token }), 404, 'chat_not_found');
    expectProblem(await api.post(`/api/chats/${UNKNOWN_ID}/join`), 401, 'not_authenticated');
  });

  it('leave then join again', async () => {
    const [owner, visitor] = await registerMany(api, 2);
    const chatId = await createGroup(api, owner!, [], { is_public: true });
    await api.post(`/api/chats/${chatId}/join`, { token: visitor!.token });
    expect((await api.post(`/api/chats/${chatId}/leave`, { token: visitor!.token })).status).toBe(200);
    expectProblem(await api.get(`/api/chats/${chatId}`, { token: visitor!.token }), 403, 'not_a_member');
    expect((await api.post(`/api/chats/${chatId}/join`, { token: visitor!.token })).status).toBe(200);
    expect((await chatOf(api, visitor!, chatId)).my_role).toBe('member');
  });
});
