import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, register, type Registered } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';

let server: TestServer;
let api: Api;

let me: Registered;
let alice: Registered;
let alicia: Registered;
let sara: Registered;
let maryam: Registered;
let percent: Registered;
let underscore: Registered;
let noUnderscore: Registered;
let backslash: Registered;
let gone: Registered;
let elodie: Registered;

const BULK = 25;

beforeAll(async () => {
  server = await startServer();
  api = new Api(server.url);
  me = await register(api, { username: 'searcher', email: 'searcher@example.com', full_name: 'The Searcher' });
  alice = await register(api, { username: 'alice_smith', email: 'alice.s@mail.test', full_name: 'Alice Smith' });
  alicia = await register(api, { username: 'Alicia', email: 'ally@mail.test', full_name: 'Alicia Keys' });
  sara = await register(api, { username: 'sara_ahmadi', email: 'sara@mail.test', full_name: 'سارة أحمد' });
  maryam = await register(api, { username: 'مريم', email: 'maryam@mail.test', full_name: 'Maryam' });
  percent = await register(api, { username: 'discounts', email: 'deals@mail.test', full_name: '100% Real Deals' });
  underscore = await register(api, { username: 'xq_zx', email: 'xqzx1@mail.test', full_name: 'Under Score' });
  noUnderscore = await register(api, { username: 'xqazx', email: 'xqzx2@mail.test', full_name: 'No Underscore' });
  backslash = await register(api, { username: 'slashy', email: 'slashy@mail.test', full_name: 'Back\\Slash' });
  gone = await register(api, { username: 'gone_girl', email: 'gone@mail.test', full_name: 'Gone Girl' });
  elodie = await register(api, { username: 'elodie_p', email: 'elodie@mail.test', full_name: 'Élodie Ωmega Дмитрий' });
  for (let i = 0; i < BULK; i += 1) {
    await register(api, { username: `bulk_${String(i).padStart(2, '0')}`, email: `bulk${i}@bulk.test`, full_name: `Bulk Person ${i}` });
  }
  expect((await api.delete('/api/users/me', { token: gone.token })).status).toBe(200);
});
afterAll(() => server.close());

async function search(params: string, token = me.token): Promise<Array<Record<string, unknown>>> {
  const res = await api.get(`/api/users/search?${params}`, { token });
  expect(res.status, res.text).toBe(200);
  expect(Array.isArray(res.body)).toBe(true);
  return res.body;
}

async function ids(params: string, token = me.token): Promise<string[]> {
  return (await search(params, token)).map((u) => u.id as string).sort();
}

const idsOf = (...users: Registered[]) => users.map((u) => u.user.id as string).sort();

describe('GET /api/users/search', () => {
  it('needs a token', async () => {
    expectProblem(await api.get('/api/users/search?query=alice'), 401, 'not_authenticated');
  });

  it('400 when neither query nor q is sent', async () => {
    const res = await api.get('/api/users/search', { token: me.token });
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors.length).toBeGreaterThan(0);
    expectProblem(await api.get('/api/users/search?other=alice', { token: me.token }), 400, 'validation_failed');
  });

  it('400 for an over-long query', async () => {
    expectProblem(await api.get(`/api/users/search?query=${'a'.repeat(101)}`, { token: me.token }), 400, 'validation_failed');
  });

  it('matches a username substring, case-insensitively, with query or q', async () => {
    expect(await ids('query=alic')).toEqual(idsOf(alice, alicia));
    expect(await ids('q=alic')).toEqual(idsOf(alice, alicia));
    expect(await ids('query=ALIC')).toEqual(idsOf(alice, alicia));
    expect(await ids('query=e_smi')).toEqual(idsOf(alice));
  });

  it('query wins when both are sent', async () => {
    expect(await ids('query=alicia&q=sara')).toEqual(idsOf(alicia));
  });

  it('matches a full name substring, case-insensitively', async () => {
    expect(await ids('query=Smith')).toEqual(idsOf(alice));
    expect(await ids('query=smith')).toEqual(idsOf(alice));
    expect(await ids('query=keys')).toEqual(idsOf(alicia));
    expect(await ids(`query=${encodeURIComponent('alice smith')}`)).toEqual(idsOf(alice));
  });

  it('matches Arabic full names and usernames', async () => {
    expect(await ids(`query=${encodeURIComponent('سارة')}`)).toEqual(idsOf(sara));
    expect(await ids(`query=${encodeURIComponent('أحمد')}`)).toEqual(idsOf(sara));
    expect(await ids(`q=${encodeURIComponent('سارة أحمد')}`)).toEqual(idsOf(sara));
    expect(await ids(`query=${encodeURIComponent('مري')}`)).toEqual(idsOf(maryam));
  });

  it('matches non-ASCII capitals in full names, case-insensitively (on every database)', async () => {
    for (const text of ['Élodie', 'élodie', 'ÉLODIE', 'ωmega', 'ΩMEGA', 'дмитрий', 'ДМИТРИЙ', 'Дмитрий']) {
      expect(await ids(`query=${encodeURIComponent(text)}`), text).toEqual(idsOf(elodie));
    }
  });

  it('matches an exact email, case-insensitively, and nothing for part of one', async () => {
    expect(await ids(`query=${encodeURIComponent('alice.s@mail.test')}`)).toEqual(idsOf(alice));
    expect(await ids(`query=${encodeURIComponent('ALICE.S@MAIL.TEST')}`)).toEqual(idsOf(alice));
    expect(await ids(`query=${encodeURIComponent('  ally@mail.test ')}`)).toEqual(idsOf(alicia));
    expect(await ids(`query=${encodeURIComponent('alice.s@mail')}`)).toEqual([]);
    expect(await ids(`query=${encodeURIComponent('@mail.test')}`)).toEqual([]);
    expect(await ids(`query=${encodeURIComponent('mail.test')}`)).toEqual([]);
    expect(await ids(`query=${encodeURIComponent('bulk.test')}`)).toEqual([]);
    // "ally" is in alicia's email only: no match by a partial email.
    expect(await ids('query=ally')).toEqual([]);
  });

  it("hides other users' emails in results", async () => {
    const found = await search(`query=${encodeURIComponent('alice.s@mail.test')}`);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ id: alice.user.id, username: 'alice_smith', email: null, full_name: 'Alice Smith', is_online: false });
  });

  it('returns at most 20 users', async () => {
    const found = await search('query=bulk');
    expect(found).toHaveLength(20);
    expect(new Set(found.map((u) => u.id)).size).toBe(20);
    for (const u of found) {
      expect(String(u.username)).toMatch(/^bulk_\d\d$/);
    }
    expect(await search('q=Person')).toHaveLength(20);
  });

  it('leaves me out', async () => {
    expect(await ids('query=searcher')).toEqual([]);
    expect(await ids(`query=${encodeURIComponent('searcher@example.com')}`)).toEqual([]);
    // But others find me.
    expect(await ids('query=searcher', alice.token)).toEqual(idsOf(me));
  });

  it('leaves deleted users out, by name, username, email or the "Deleted user" placeholder', async () => {
    expect(await ids('query=gone_girl')).toEqual([]);
    expect(await ids(`query=${encodeURIComponent('Gone Girl')}`)).toEqual([]);
    expect(await ids(`query=${encodeURIComponent('gone@mail.test')}`)).toEqual([]);
    expect(await ids(`query=${encodeURIComponent('Deleted user')}`)).toEqual([]);
    expect(await ids('query=deleted')).toEqual([]);
  });

  it('treats % and _ as plain characters, not wildcards', async () => {
    expect(await ids(`query=${encodeURIComponent('%')}`)).toEqual(idsOf(percent));
    expect(await ids(`query=${encodeURIComponent('100%')}`)).toEqual(idsOf(percent));
    expect(await ids(`query=${encodeURIComponent('0% R')}`)).toEqual(idsOf(percent));
    expect(await ids(`query=${encodeURIComponent('%%')}`)).toEqual([]);
    expect(await ids(`query=${encodeURIComponent('a%s')}`)).toEqual([]);
    expect(await ids(`query=${encodeURIComponent('q_z')}`)).toEqual(idsOf(underscore));
    expect(await ids(`query=${encodeURIComponent('xq_')}`)).toEqual(idsOf(underscore));
    expect(await ids(`query=${encodeURIComponent('xqaz')}`)).toEqual(idsOf(noUnderscore));
    expect(await ids(`query=${encodeURIComponent('_____________')}`)).toEqual([]);
  });

  it('treats a backslash as a plain character too', async () => {
    expect(await ids(`query=${encodeURIComponent('\\')}`)).toEqual(idsOf(backslash));
    expect(await ids(`query=${encodeURIComponent('k\\S')}`)).toEqual(idsOf(backslash));
    expect(await ids(`query=${encodeURIComponent('\\%')}`)).toEqual([]);
  });

  it('quotes and SQL-looking input are just text', async () => {
    expect(await ids(`query=${encodeURIComponent("' or '1'='1")}`)).toEqual([]);
    expect(await ids(`query=${encodeURIComponent('"); drop table users; --')}`)).toEqual([]);
    expect((await api.get('/api/users/me', { token: me.token })).status).toBe(200);
  });

  it('a blank query finds nobody', async () => {
    expect(await search('query=')).toEqual([]);
    expect(await search(`query=${encodeURIComponent('   ')}`)).toEqual([]);
    expect(await search('q=')).toEqual([]);
  });

  it('each result is a full user object', async () => {
    const [user] = await search('query=alicia');
    expect(Object.keys(user ?? {}).sort()).toEqual([
      'bio',
      'created_at',
      'email',
      'full_name',
      'id',
      'is_online',
      'last_seen',
      'profile_image',
      'role',
      'username',
    ]);
  });
});
