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

const NAMES = ['Sara', 'Omid', 'Layla', 'Kian', 'Nima', 'Dara', 'Reza', 'Tara'];

/** Users with readable full names, so system messages are predictable. */
async function people(n: number): Promise<Registered[]> {
  return registerMany(api, n, (i) => ({ full_name: NAMES[i] ?? `Person ${i}` }));
}

async function addParticipants(who: Registered, chatId: string, body: unknown) {
  return api.post(`/api/chats/${chatId}/participants`, { token: who.token, body });
}

describe('POST /api/chats/{id}/participants', () => {
  it('{emails:[...]} adds by email and username → {added, not_found}; a system message names them', async () => {
    const [sara, omid, layla] = await people(3);
    const chatId = await createGroup(api, sara!);
    const res = await addParticipants(sara!, chatId, { emails: [omid!.email, layla!.username, 'ghost@example.com'] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ added: 2, not_found: ['ghost@example.com'] });
    expect(await rolesOf(server, chatId)).toEqual({ [sara!.user.id]: 'owner', [omid!.user.id]: 'member', [layla!.user.id]: 'member' });
    expect((await systemTexts(api, omid!, chatId)).at(-1)).toBe('Sara added Omid, Layla');
    expect((await chatOf(api, layla!, chatId)).my_role).toBe('member');
    expect((await listChats(api, layla!)).map((c) => c.id)).toContain(chatId);
  });

  it('{user_ids:[...]} adds by id; unknown ids are in not_found', async () => {
    const [sara, omid] = await people(2);
    const chatId = await createGroup(api, sara!);
    const res = await addParticipants(sara!, chatId, { user_ids: [omid!.user.id, UNKNOWN_ID] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ added: 1, not_found: [UNKNOWN_ID] });
    expect((await rolesOf(server, chatId))[omid!.user.id]).toBe('member');
  });

  it('existing members are not counted again, and adding nobody new writes no system message', async () => {
    const [sara, omid, layla] = await people(3);
    const chatId = await createGroup(api, sara!, [omid!]);
    const res = await addParticipants(sara!, chatId, { emails: [omid!.email, layla!.email, sara!.username], user_ids: [layla!.user.id] });
    expect(res.body).toEqual({ added: 1, not_found: [] });
    const before = await systemTexts(api, sara!, chatId);
    const again = await addParticipants(sara!, chatId, { emails: [omid!.email, layla!.username] });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ added: 0, not_found: [] });
    expect(await systemTexts(api, sara!, chatId)).toEqual(before);
    const empty = await addParticipants(sara!, chatId, {});
    expect(empty.body).toEqual({ added: 0, not_found: [] });
    expect(Object.keys(await rolesOf(server, chatId))).toHaveLength(3);
  });

  it('admins may add; a plain member gets 403 chat_admin_required and nobody is added', async () => {
    const [sara, omid, layla, kian] = await people(4);
    const chatId = await createGroup(api, sara!, [omid!, layla!]);
    await api.post(`/api/chats/${chatId}/admins/${omid!.user.id}`, { token: sara!.token });
    expectProblem(await addParticipants(layla!, chatId, { emails: [kian!.email] }), 403, 'chat_admin_required');
    expect((await rolesOf(server, chatId))[kian!.user.id]).toBeUndefined();
    const byAdmin = await addParticipants(omid!, chatId, { emails: [kian!.email] });
    expect(byAdmin.body).toEqual({ added: 1, not_found: [] });
    expect((await systemTexts(api, kian!, chatId)).at(-1)).toBe('Omid added Kian');
  });

  it('two admins adding the same people at once add each of them once', async () => {
    const [sara, omid, layla, kian] = await people(4);
    const chatId = await createGroup(api, sara!, [omid!]);
    await api.post(`/api/chats/${chatId}/admins/${omid!.user.id}`, { token: sara!.token });
    const body = { emails: [layla!.email, kian!.email] };
    const replies = await Promise.all([addParticipants(sara!, chatId, body), addParticipants(omid!, chatId, body), addParticipants(sara!, chatId, body)]);
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(replies.reduce((sum, r) => sum + r.body.added, 0)).toBe(2);
    expect(Object.keys(await rolesOf(server, chatId))).toHaveLength(4);
    const added = (await systemTexts(api, sara!, chatId)).filter((t) => t.includes(' added '));
    expect(added.join(' | ').match(/Layla/g)).toHaveLength(1);
    expect(added.join(' | ').match(/Kian/g)).toHaveLength(1);
  });

  it('403 not_a_member, 404 chat_not_found, 400 not_a_group on a direct chat, 400 for a wrong body', async () => {
    const [sara, omid, layla] = await people(3);
    const chatId = await createGroup(api, sara!);
    expectProblem(await addParticipants(omid!, chatId, { emails: [layla!.email] }), 403, 'not_a_member');
    expectProblem(await addParticipants(sara!, UNKNOWN_ID, { emails: [layla!.email] }), 404, 'chat_not_found');
    const direct = await openDirect(api, sara!, omid!.username);
    expectProblem(await addParticipants(sara!, direct, { emails: [layla!.email] }), 400, 'not_a_group');
    expect(Object.keys(await rolesOf(server, direct))).toHaveLength(2);
    expectProblem(await addParticipants(sara!, chatId, { emails: 'not-a-list' }), 400, 'validation_failed');
    expectProblem(await addParticipants(sara!, chatId, { user_ids: [42] }), 400, 'validation_failed');
  });
});

describe('DELETE /api/chats/{id}/participants/{user_id}', () => {
  let sara: Registered;
  let omid: Registered;
  let layla: Registered;
  let kian: Registered;
  let nima: Registered;
  let outsider: Registered;
  let chatId: string;

  beforeAll(async () => {
    [sara, omid, layla, kian, nima, outsider] = (await people(6)) as [Registered, Registered, Registered, Registered, Registered, Registered];
    chatId = await createGroup(api, sara, [omid, layla, kian, nima]);
    // Omid and Layla are admins.
    await api.post(`/api/chats/${chatId}/admins/${omid.user.id}`, { token: sara.token });
    await api.post(`/api/chats/${chatId}/admins/${layla.user.id}`, { token: sara.token });
  });

  it('a plain member cannot remove anyone: 403 chat_admin_required', async () => {
    expectProblem(await api.delete(`/api/chats/${chatId}/participants/${nima.user.id}`, { token: kian.token }), 403, 'chat_admin_required');
    expect((await rolesOf(server, chatId))[nima.user.id]).toBe('member');
  });

  it('an admin cannot remove another admin: 403 chat_owner_required', async () => {
    expectProblem(await api.delete(`/api/chats/${chatId}/participants/${layla.user.id}`, { token: omid.token }), 403, 'chat_owner_required');
    expect((await rolesOf(server, chatId))[layla.user.id]).toBe('admin');
  });

  it('nobody removes the owner: 403 cannot_remove_owner', async () => {
    expectProblem(await api.delete(`/api/chats/${chatId}/participants/${sara.user.id}`, { token: omid.token }), 403, 'cannot_remove_owner');
    expect((await rolesOf(server, chatId))[sara.user.id]).toBe('owner');
  });

  it('404 member_not_found for a user who is not a member; 404 chat_not_found for an unknown chat', async () => {
    expectProblem(await api.delete(`/api/chats/${chatId}/participants/${outsider.user.id}`, { token: sara.token }), 404, 'member_not_found');
    expectProblem(await api.delete(`/api/chats/${chatId}/participants/${UNKNOWN_ID}`, { token: sara.token }), 404, 'member_not_found');
    expectProblem(await api.delete(`/api/chats/${UNKNOWN_ID}/participants/${omid.user.id}`, { token: sara.token }), 404, 'chat_not_found');
    expectProblem(await api.delete(`/api/chats/${chatId}/participants/${omid.user.id}`, { token: outsider.token }), 403, 'not_a_member');
  });

  it('an admin removes a plain member → {status:"removed"}; the removed user loses access', async () => {
    const res = await api.delete(`/api/chats/${chatId}/participants/${nima.user.id}`, { token: omid.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'removed' });
    expect((await rolesOf(server, chatId))[nima.user.id]).toBeUndefined();
    expect((await systemTexts(api, sara, chatId)).at(-1)).toBe('Omid removed Nima');
    expectProblem(await api.get(`/api/chats/${chatId}`, { token: nima.token }), 403, 'not_a_member');
    expectProblem(await api.get(`/api/chats/${chatId}/messages`, { token: nima.token }), 403, 'not_a_member');
    expectProblem(await api.post(`/api/chats/${chatId}/messages?content=still here?`, { token: nima.token }), 403, 'not_a_member');
    expect((await listChats(api, nima)).map((c) => c.id)).not.toContain(chatId);
    // Removing them again: they are no longer a member.
    expectProblem(await api.delete(`/api/chats/${chatId}/participants/${nima.user.id}`, { token: omid.token }), 404, 'member_not_found');
  });

  it('the owner removes an admin', async () => {
    const res = await api.delete(`/api/chats/${chatId}/participants/${layla.user.id}`, { token: sara.token });
    expect(res.status).toBe(200);
    expect((await rolesOf(server, chatId))[layla.user.id]).toBeUndefined();
    expect((await systemTexts(api, sara, chatId)).at(-1)).toBe('Sara removed Layla');
  });

  it('removing yourself is leaving', async () => {
    const res = await api.delete(`/api/chats/${chatId}/participants/${kian.user.id}`, { token: kian.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'removed' });
    expect((await rolesOf(server, chatId))[kian.user.id]).toBeUndefined();
    expect((await systemTexts(api, sara, chatId)).at(-1)).toBe('Kian left');
  });

  it('400 not_a_group in a direct chat', async () => {
    const direct = await openDirect(api, sara, outsider.username);
    expectProblem(await api.delete(`/api/chats/${direct}/participants/${outsider.user.id}`, { token: sara.token }), 400, 'not_a_group');
    expectProblem(await api.delete(`/api/chats/${direct}/participants/${sara.user.id}`, { token: sara.token }), 400, 'not_a_group');
  });
});

describe('POST/DELETE /api/chats/{id}/admins/{user_id}', () => {
  it('the owner promotes → {status:"added"}; an admin promotes too; only the owner demotes → {status:"removed"}', async () => {
    const [sara, omid, layla, kian] = await people(4);
    const chatId = await createGroup(api, sara!, [omid!, layla!, kian!]);
    const promote = await api.post(`/api/chats/${chatId}/admins/${omid!.user.id}`, { token: sara!.token });
    expect(promote.status).toBe(200);
    expect(promote.body).toEqual({ status: 'added' });
    expect((await chatOf(api, omid!, chatId)).my_role).toBe('admin');
    expect((await systemTexts(api, sara!, chatId)).at(-1)).toBe('Sara made Omid an admin');

    const byAdmin = await api.post(`/api/chats/${chatId}/admins/${layla!.user.id}`, { token: omid!.token });
    expect(byAdmin.status).toBe(200);
    expect((await rolesOf(server, chatId))[layla!.user.id]).toBe('admin');

    // Promoting again is harmless and says nothing new.
    const before = await systemTexts(api, sara!, chatId);
    expect((await api.post(`/api/chats/${chatId}/admins/${layla!.user.id}`, { token: sara!.token })).status).toBe(200);
    expect(await systemTexts(api, sara!, chatId)).toEqual(before);

    expectProblem(await api.delete(`/api/chats/${chatId}/admins/${layla!.user.id}`, { token: omid!.token }), 403, 'chat_owner_required');
    expect((await rolesOf(server, chatId))[layla!.user.id]).toBe('admin');

    const demote = await api.delete(`/api/chats/${chatId}/admins/${layla!.user.id}`, { token: sara!.token });
    expect(demote.status).toBe(200);
    expect(demote.body).toEqual({ status: 'removed' });
    expect((await rolesOf(server, chatId))[layla!.user.id]).toBe('member');
    expect((await systemTexts(api, sara!, chatId)).at(-1)).toBe('Sara removed Layla as admin');
    // A demoted admin can no longer add people.
    expectProblem(await api.post(`/api/chats/${chatId}/participants`, { token: layla!.token, body: { emails: [kian!.email] } }), 403, 'chat_admin_required');
  });

  it('a plain member cannot promote (403 chat_admin_required) nor demote (403 chat_owner_required)', async () => {
    const [sara, omid, layla] = await people(3);
    const chatId = await createGroup(api, sara!, [omid!, layla!]);
    expectProblem(await api.post(`/api/chats/${chatId}/admins/${layla!.user.id}`, { token: omid!.token }), 403, 'chat_admin_required');
    expectProblem(await api.post(`/api/chats/${chatId}/admins/${omid!.user.id}`, { token: omid!.token }), 403, 'chat_admin_required');
    await api.post(`/api/chats/${chatId}/admins/${layla!.user.id}`, { token: sara!.token });
    expectProblem(await api.delete(`/api/chats/${chatId}/admins/${layla!.user.id}`, { token: omid!.token }), 403, 'chat_owner_required');
    expect(await rolesOf(server, chatId)).toEqual({ [sara!.user.id]: 'owner', [omid!.user.id]: 'member', [layla!.user.id]: 'admin' });
  });

  it("the owner's role is not changed here; non-members are 404 member_not_found", async () => {
    const [sara, omid, outsider] = await people(3);
    const chatId = await createGroup(api, sara!, [omid!]);
    await api.post(`/api/chats/${chatId}/admins/${omid!.user.id}`, { token: sara!.token });
    expectProblem(await api.post(`/api/chats/${chatId}/admins/${sara!.user.id}`, { token: omid!.token }), 403, 'owner_role_fixed');
    expectProblem(await api.delete(`/api/chats/${chatId}/admins/${sara!.user.id}`, { token: sara!.token }), 403, 'owner_role_fixed');
    expect((await rolesOf(server, chatId))[sara!.user.id]).toBe('owner');
    expectProblem(await api.post(`/api/chats/${chatId}/admins/${outsider!.user.id}`, { token: sara!.token }), 404, 'member_not_found');
    expectProblem(await api.delete(`/api/chats/${chatId}/admins/${UNKNOWN_ID}`, { token: sara!.token }), 404, 'member_not_found');
    expectProblem(await api.post(`/api/chats/${chatId}/admins/${omid!.user.id}`, { token: outsider!.token }), 403, 'not_a_member');
    expectProblem(await api.post(`/api/chats/${UNKNOWN_ID}/admins/${omid!.user.id}`, { token: sara!.token }), 404, 'chat_not_found');
    const direct = await openDirect(api, sara!, outsider!.username);
    expectProblem(await api.post(`/api/chats/${direct}/admins/${outsider!.user.id}`, { token: sara!.token }), 400, 'not_a_group');
  });
});

describe('POST /api/chats/{id}/leave', () => {
  it('→ {status:"left"}; the leaver loses access; the others see "X left"', async () => {
    const [sara, omid, layla] = await people(3);
    const chatId = await createGroup(api, sara!, [omid!, layla!]);
    const res = await api.post(`/api/chats/${chatId}/leave`, { token: omid!.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'left' });
    expectProblem(await api.get(`/api/chats/${chatId}`, { token: omid!.token }), 403, 'not_a_member');
    expect((await listChats(api, omid!)).map((c) => c.id)).not.toContain(chatId);
    expect((await systemTexts(api, layla!, chatId)).at(-1)).toBe('Omid left');
    expectProblem(await api.post(`/api/chats/${chatId}/leave`, { token: omid!.token }), 403, 'not_a_member');
  });

  it('an owner who leaves hands ownership to the oldest admin, else to the oldest member', async () => {
    const [sara, omid, layla, kian, nima] = await people(5);
    // Join order: sara (owner), omid, layla, kian, nima — one second apart.
    const chatId = await createGroup(api, sara!, [omid!]);
    for (const who of [layla!, kian!, nima!]) {
      server.clock.advance(1000);
      expect((await addParticipants(sara!, chatId, { emails: [who.email] })).body.added).toBe(1);
    }
    // Admins: nima (promoted first, but joined last) and kian (joined earlier): kian is the oldest admin.
    await api.post(`/api/chats/${chatId}/admins/${nima!.user.id}`, { token: sara!.token });
    await api.post(`/api/chats/${chatId}/admins/${kian!.user.id}`, { token: sara!.token });

    expect((await api.post(`/api/chats/${chatId}/leave`, { token: sara!.token })).status).toBe(200);
    expect(await rolesOf(server, chatId)).toEqual({ [omid!.user.id]: 'member', [layla!.user.id]: 'member', [kian!.user.id]: 'owner', [nima!.user.id]: 'admin' });
    expect((await systemTexts(api, omid!, chatId)).slice(-2)).toEqual(['Sara left', 'Kian is now the owner']);
    expect((await chatOf(api, kian!, chatId)).my_role).toBe('owner');

    // The new owner leaves: nima, the only admin left, inherits.
    expect((await api.post(`/api/chats/${chatId}/leave`, { token: kian!.token })).status).toBe(200);
    expect((await rolesOf(server, chatId))[nima!.user.id]).toBe('owner');

    // No admins left: the oldest member (omid) inherits.
    expect((await api.post(`/api/chats/${chatId}/leave`, { token: nima!.token })).status).toBe(200);
    expect(await rolesOf(server, chatId)).toEqual({ [omid!.user.id]: 'owner', [layla!.user.id]: 'member' });
    expect((await systemTexts(api, layla!, chatId)).slice(-2)).toEqual(['Nima left', 'Omid is now the owner']);
    // And the new owner may do owner things.
    expect((await api.put(`/api/chats/${chatId}/group`, { token: omid!.token, body: { name: 'Omid’s now' } })).status).toBe(200);
  });

  it('a plain member leaving changes nobody else’s role', async () => {
    const [sara, omid, layla] = await people(3);
    const chatId = await createGroup(api, sara!, [omid!, layla!]);
    await api.post(`/api/chats/${chatId}/leave`, { token: layla!.token });
    expect(await rolesOf(server, chatId)).toEqual({ [sara!.user.id]: 'owner', [omid!.user.id]: 'member' });
  });

  it('the last member leaving deletes the group', async () => {
    const [sara, omid] = await people(2);
    const chatId = await createGroup(api, sara!, [omid!], { is_public: true, name: 'Last One Out' });
    await api.post(`/api/chats/${chatId}/leave`, { token: sara!.token });
    expect((await api.post(`/api/chats/${chatId}/leave`, { token: omid!.token })).status).toBe(200);
    const row = await server.storage.db.selectFrom('chats').select('deleted_at').where('id', '=', chatId).executeTakeFirstOrThrow();
    expect(row.deleted_at).not.toBeNull();
    expectProblem(await api.get(`/api/chats/${chatId}`, { token: omid!.token }), 404, 'chat_not_found');
    expectProblem(await api.post(`/api/chats/${chatId}/join`, { token: sara!.token }), 404, 'chat_not_found');
    expect((await api.get('/api/chats/public?query=Last%20One%20Out', { token: sara!.token })).body).toEqual([]);
  });

  it('a lone owner leaving deletes the group', async () => {
    const [sara] = await people(1);
    const chatId = await createGroup(api, sara!);
    expect((await api.post(`/api/chats/${chatId}/leave`, { token: sara!.token })).status).toBe(200);
    expectProblem(await api.get(`/api/chats/${chatId}`, { token: sara!.token }), 404, 'chat_not_found');
  });

  it('400 not_a_group for a direct chat; 404 chat_not_found for an unknown chat', async () => {
    const [sara, omid] = await people(2);
    const direct = await openDirect(api, sara!, omid!.username);
    expectProblem(await api.post(`/api/chats/${direct}/leave`, { token: sara!.token }), 400, 'not_a_group');
    expect(Object.keys(await rolesOf(server, direct))).toHaveLength(2);
    expectProblem(await api.post(`/api/chats/${UNKNOWN_ID}/leave`, { token: sara!.token }), 404, 'chat_not_found');
  });
});

describe('system messages', () => {
  it('tell the story of the group, in order, as `system` messages from the member who acted', async () => {
    const [sara, omid, layla, kian] = await people(4);
    const chatId = await createGroup(api, sara!, [omid!], { name: 'Story', is_public: true });
    await addParticipants(sara!, chatId, { emails: [layla!.username] });
    await api.post(`/api/chats/${chatId}/join`, { token: kian!.token });
    await api.delete(`/api/chats/${chatId}/participants/${layla!.user.id}`, { token: sara!.token });
    await api.post(`/api/chats/${chatId}/leave`, { token: sara!.token });
    const messages = (await (await api.get(`/api/chats/${chatId}/messages`, { token: omid!.token })).body.messages) as any[];
    expect(messages.map((m) => [m.message_type, m.sender_id, m.content])).toEqual([
      ['system', sara!.user.id, 'Sara created the group "Story"'],
      ['system', sara!.user.id, 'Sara added Layla'],
      ['system', kian!.user.id, 'Kian joined'],
      ['system', sara!.user.id, 'Sara removed Layla'],
      ['system', sara!.user.id, 'Sara left'],
      ['system', sara!.user.id, 'Omid is now the owner'],
    ]);
    expect(messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
