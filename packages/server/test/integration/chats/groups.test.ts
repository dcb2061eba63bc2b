import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, register, type Registered } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';
import { download } from '../users/helpers.js';
import { blob, chatOf, createGroup, listChats, openDirect, png, registerMany, rolesOf, systemTexts, UNKNOWN_ID } from './helpers.js';

let server: TestServer;
let api: Api;
let image: Buffer;

const GROUP_IMAGE_URL = /^\/uploads\/avatars\/[0-9a-f-]{36}\.webp$/;

beforeAll(async () => {
  server = await startServer();
  api = new Api(server.url);
  image = await png(300, 200, '#ff0000');
});
afterAll(() => server.close());

async function chatCount(): Promise<number> {
  const row = await server.storage.db
    .selectFrom('chats')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('POST /api/chats/group (JSON)', () => {
  it('201 {chat_id, added, not_found}; the creator is the owner, the others members', async () => {
    const [owner, b, c] = await registerMany(api, 3);
    const res = await api.post('/api/chats/group', {
      token: owner!.token,
      body: { name: '  Friends  ', description: 'Weekend plans', participant_emails: [b!.email, c!.username, 'ghost@example.com', 'no_such_name'] },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ chat_id: expect.any(String), added: 2, not_found: ['ghost@example.com', 'no_such_name'] });
    const roles = await rolesOf(server, res.body.chat_id);
    expect(roles).toEqual({ [owner!.user.id]: 'owner', [b!.user.id]: 'member', [c!.user.id]: 'member' });
    const chat = await chatOf(api, owner!, res.body.chat_id);
    expect(chat).toMatchObject({ chat_type: 'group', group_name: 'Friends', description: 'Weekend plans', is_public: false, group_image: null, my_role: 'owner' });
    expect(chat.participants.map((p: { id: string }) => p.id).sort()).toEqual([owner!.user.id, b!.user.id, c!.user.id].sort());
    expect((await chatOf(api, b!, res.body.chat_id)).my_role).toBe('member');
  });

  it('participant_emails as a comma string, with spaces, duplicates and the creator themself', async () => {
    const [owner, b, c] = await registerMany(api, 3);
    const res = await api.post('/api/chats/group', {
      token: owner!.token,
      body: { name: 'Comma', participant_emails: ` ${b!.email} ,${c!.username},,${b!.username.toUpperCase()}, ${owner!.email}` },
    });
    expect(res.status).toBe(201);
    expect(res.body.added).toBe(2);
    expect(res.body.not_found).toEqual([]);
    expect(Object.keys(await rolesOf(server, res.body.chat_id))).toHaveLength(3);
    expect((await rolesOf(server, res.body.chat_id))[owner!.user.id]).toBe('owner');
  });

  it('participant_ids (array or comma string); unknown and deleted ids are listed in not_found', async () => {
    const [owner, b, c, gone] = await registerMany(api, 4);
    await api.delete('/api/users/me', { token: gone!.token });
    const res = await api.post('/api/chats/group', {
      token: owner!.token,
      body: { name: 'Ids', participant_ids: [b!.user.id, UNKNOWN_ID, gone!.user.id], participant_emails: [c!.email] },
    });
    expect(res.status).toBe(201);
    expect(res.body.added).toBe(2);
    expect(res.body.not_found.sort()).toEqual([UNKNOWN_ID, gone!.user.id].sort());
    const asString = await api.post('/api/chats/group', { token: owner!.token, body: { name: 'Ids 2', participant_ids: `${b!.user.id},${c!.user.id}` } });
    expect(asString.status).toBe(201);
    expect(asString.body).toMatchObject({ added: 2, not_found: [] });
  });

  it('a group of one: only the creator', async () => {
    const owner = await register(api);
    const res = await api.post('/api/chats/group', { token: owner.token, body: { name: 'Just me' } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ chat_id: expect.any(String), added: 0, not_found: [] });
    expect(await rolesOf(server, res.body.chat_id)).toEqual({ [owner.user.id]: 'owner' });
  });

  it('is_public: true makes a public group', async () => {
    const owner = await register(api);
    const res = await api.post('/api/chats/group', { token: owner.token, body: { name: 'Open Plaza', is_public: true } });
    expect(res.status).toBe(201);
    expect((await chatOf(api, owner, res.body.chat_id)).is_public).toBe(true);
    const pub = await api.get('/api/chats/public?query=Open%20Plaza', { token: (await register(api)).token });
    expect(pub.body.map((g: { id: string }) => g.id)).toContain(res.body.chat_id);
  });

  it('writes a "created the group" system message that everyone sees', async () => {
    const owner = await register(api, { full_name: 'Sara Owner' });
    const b = await register(api);
    const chatId = (await api.post('/api/chats/group', { token: owner.token, body: { name: 'Book club', participant_emails: [b.email] } })).body.chat_id;
    expect(await systemTexts(api, b, chatId)).toEqual(['Sara Owner created the group "Book club"']);
    const list = await listChats(api, b);
    expect(list.find((c) => c.id === chatId)?.last_message).toMatchObject({ message_type: 'system', sender_id: owner.user.id, sender_name: 'Sara Owner' });
  });

  it('400 validation_failed for a missing, empty or blank name', async () => {
    const owner = await register(api);
    const before = await chatCount();
    for (const body of [{}, { description: 'no name' }, { name: '' }, { name: '   ' }, { name: 42 }, { name: 'x'.repeat(101) }]) {
      const res = await api.post('/api/chats/group', { token: owner.token, body });
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.errors?.length, JSON.stringify(body)).toBeGreaterThan(0);
    }
    expect(await chatCount()).toBe(before);
  });

  it('400 (not 500) with no body at all', async () => {
    const owner = await register(api);
    expectProblem(await api.post('/api/chats/group', { token: owner.token }), 400, 'validation_failed');
    expectProblem(await api.post('/api/chats/group', { token: owner.token, raw: 'null', headers: { 'content-type': 'application/json' } }), 400, 'validation_failed');
  });

  it('400 for wrong types', async () => {
    const owner = await register(api);
    expectProblem(await api.post('/api/chats/group', { token: owner.token, body: { name: 'x', is_public: 'maybe' } }), 400, 'validation_failed');
    expectProblem(await api.post('/api/chats/group', { token: owner.token, body: { name: 'x', participant_emails: 7 } }), 400, 'validation_failed');
  });

  it('401 without a token', async () => {
    expectProblem(await api.post('/api/chats/group', { body: { name: 'x' } }), 401, 'not_authenticated');
  });
});

describe('POST /api/chats/group (multipart)', () => {
  it('the FastAPI seed form: name, participant_emails comma string mixing emails and usernames, group_image', async () => {
    const [owner, b, c] = await registerMany(api, 3);
    const form = new FormData();
    form.append('name', 'گروه دوستان');
    form.append('participant_emails', `${b!.email},${c!.username},nobody@example.com`);
    form.append('group_image', blob(image), 'group.png');
    const res = await api.post('/api/chats/group', { token: owner!.token, form });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ chat_id: expect.any(String), added: 2, not_found: ['nobody@example.com'] });
    expect((await rolesOf(server, res.body.chat_id))[owner!.user.id]).toBe('owner');

    const chat = await chatOf(api, b!, res.body.chat_id);
    expect(chat.group_name).toBe('گروه دوستان');
    expect(chat.group_image).toMatch(GROUP_IMAGE_URL);
    const file = await download(server.url, chat.group_image);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/webp');
    expect(await sharp(file.bytes).metadata()).toMatchObject({ format: 'webp' });
  });

  it('description and is_public as form fields; no image is fine', async () => {
    const owner = await register(api);
    const form = new FormData();
    form.append('name', 'Form Public');
    form.append('description', 'about');
    form.append('is_public', 'true');
    const res = await api.post('/api/chats/group', { token: owner.token, form });
    expect(res.status).toBe(201);
    expect(await chatOf(api, owner, res.body.chat_id)).toMatchObject({ group_name: 'Form Public', description: 'about', is_public: true, group_image: null });
  });

  it('400 validation_failed without a name', async () => {
    const owner = await register(api);
    const before = await chatCount();
    const form = new FormData();
    form.append('participant_emails', owner.email);
    form.append('group_image', blob(image), 'g.png');
    const res = await api.post('/api/chats/group', { token: owner.token, form });
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors?.length).toBeGreaterThan(0);
    const blank = new FormData();
    blank.append('name', '  ');
    expectProblem(await api.post('/api/chats/group', { token: owner.token, form: blank }), 400, 'validation_failed');
    expect(await chatCount()).toBe(before);
  });

  it('415 for a group_image that is not an image, and no group is created', async () => {
    const owner = await register(api);
    const before = await chatCount();
    const form = new FormData();
    form.append('name', 'Bad image');
    form.append('group_image', blob(Buffer.from('just some text, not an image'.repeat(10)), 'image/png'), 'fake.png');
    expectProblem(await api.post('/api/chats/group', { token: owner.token, form }), 415, 'unsupported_file_type');
    expect(await chatCount()).toBe(before);
  });
});

describe('PUT /api/chats/{id}/group', () => {
  let owner: Registered;
  let admin: Registered;
  let member: Registered;
  let outsider: Registered;
  let chatId: string;

  beforeAll(async () => {
    [owner, admin, member, outsider] = (await registerMany(api, 4, (i) => ({ full_name: ['Olga Owner', 'Adam Admin', 'Mina Member', 'Otto Outsider'][i]! }))) as [
      Registered,
      Registered,
      Registered,
      Registered,
    ];
    chatId = await createGroup(api, owner, [admin, member], { name: 'Before' });
    expect((await api.post(`/api/chats/${chatId}/admins/${admin.user.id}`, { token: owner.token })).status).toBe(200);
  });

  it('JSON: name, description, is_public → {id, group_name, group_image, description, is_public}', async () => {
    const res = await api.put(`/api/chats/${chatId}/group`, { token: owner.token, body: { name: 'After', description: 'New words', is_public: true } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: chatId, group_name: 'After', group_image: null, description: 'New words', is_public: true });
    expect(await chatOf(api, member, chatId)).toMatchObject({ group_name: 'After', description: 'New words', is_public: true });
    expect((await systemTexts(api, member, chatId)).at(-1)).toBe('Olga Owner renamed the group to "After"');
  });

  it('a partial update keeps the other fields; an empty body changes nothing', async () => {
    const res = await api.put(`/api/chats/${chatId}/group`, { token: owner.token, body: { is_public: false } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ group_name: 'After', description: 'New words', is_public: false });
    const empty = await api.put(`/api/chats/${chatId}/group`, { token: owner.token, body: {} });
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ group_name: 'After', description: 'New words', is_public: false });
    const noBody = await api.put(`/api/chats/${chatId}/group`, { token: owner.token });
    expect(noBody.status).toBe(200);
    const cleared = await api.put(`/api/chats/${chatId}/group`, { token: owner.token, body: { description: null } });
    expect(cleared.body.description).toBeNull();
  });

  it('admins may update too', async () => {
    const res = await api.put(`/api/chats/${chatId}/group`, { token: admin.token, body: { name: 'By admin' } });
    expect(res.status).toBe(200);
    expect(res.body.group_name).toBe('By admin');
    expect((await systemTexts(api, owner, chatId)).at(-1)).toBe('Adam Admin renamed the group to "By admin"');
  });

  it('multipart: name, description, is_public and group_image; a new image replaces the old one', async () => {
    const form = new FormData();
    form.append('name', 'Pictured');
    form.append('description', 'with a picture');
    form.append('is_public', 'false');
    form.append('group_image', blob(image), 'a.png');
    const res = await api.put(`/api/chats/${chatId}/group`, { token: owner.token, form });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: chatId, group_name: 'Pictured', group_image: expect.stringMatching(GROUP_IMAGE_URL), description: 'with a picture', is_public: false });
    const first = res.body.group_image as string;
    expect((await download(server.url, first)).headers.get('content-type')).toBe('image/webp');

    const onlyImage = new FormData();
    onlyImage.append('group_image', blob(await png(100, 100, '#00ff00')), 'b.png');
    const second = await api.put(`/api/chats/${chatId}/group`, { token: admin.token, form: onlyImage });
    expect(second.status).toBe(200);
    expect(second.body.group_name).toBe('Pictured');
    expect(second.body.group_image).toMatch(GROUP_IMAGE_URL);
    expect(second.body.group_image).not.toBe(first);
    expect((await download(server.url, second.body.group_image)).status).toBe(200);
    expect((await download(server.url, first)).status).toBe(404);
    expect((await chatOf(api, member, chatId)).group_image).toBe(second.body.group_image);
  });

  it('403 chat_admin_required for a plain member, and nothing changes', async () => {
    const before = await chatOf(api, owner, chatId);
    expectProblem(await api.put(`/api/chats/${chatId}/group`, { token: member.token, body: { name: 'Hijacked' } }), 403, 'chat_admin_required');
    const form = new FormData();
    form.append('name', 'Hijacked');
    expectProblem(await api.put(`/api/chats/${chatId}/group`, { token: member.token, form }), 403, 'chat_admin_required');
    expect((await chatOf(api, owner, chatId)).group_name).toBe(before.group_name);
  });

  it('403 not_a_member for an outsider, 404 chat_not_found for an unknown chat', async () => {
    expectProblem(await api.put(`/api/chats/${chatId}/group`, { token: outsider.token, body: { name: 'x' } }), 403, 'not_a_member');
    expectProblem(await api.put(`/api/chats/${UNKNOWN_ID}/group`, { token: owner.token, body: { name: 'x' } }), 404, 'chat_not_found');
  });

  it('400 not_a_group on a direct chat', async () => {
    const direct = await openDirect(api, owner, outsider.username);
    expectProblem(await api.put(`/api/chats/${direct}/group`, { token: owner.token, body: { name: 'x' } }), 400, 'not_a_group');
  });

  it('400 for a blank name or wrong types', async () => {
    expectProblem(await api.put(`/api/chats/${chatId}/group`, { token: owner.token, body: { name: '' } }), 400, 'validation_failed');
    expectProblem(await api.put(`/api/chats/${chatId}/group`, { token: owner.token, body: { name: '   ' } }), 400, 'validation_failed');
    expectProblem(await api.put(`/api/chats/${chatId}/group`, { token: owner.token, body: { is_public: 'yes' } }), 400, 'validation_failed');
  });
});

describe('DELETE /api/chats/{id}', () => {
  it('the owner deletes the group: it leaves every list and answers 404 chat_not_found', async () => {
    const [owner, admin, member] = await registerMany(api, 3);
    const form = new FormData();
    form.append('name', 'Doomed');
    form.append('participant_emails', `${admin!.username},${member!.username}`);
    form.append('group_image', blob(image), 'g.png');
    const chatId = (await api.post('/api/chats/group', { token: owner!.token, form })).body.chat_id;
    const imageUrl = (await chatOf(api, owner!, chatId)).group_image;
    await api.post(`/api/chats/${chatId}/admins/${admin!.user.id}`, { token: owner!.token });

    expectProblem(await api.delete(`/api/chats/${chatId}`, { token: admin!.token }), 403, 'chat_owner_required');
    expectProblem(await api.delete(`/api/chats/${chatId}`, { token: member!.token }), 403, 'chat_owner_required');
    expect((await chatOf(api, member!, chatId)).id).toBe(chatId);

    const res = await api.delete(`/api/chats/${chatId}`, { token: owner!.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'deleted' });
    for (const who of [owner!, admin!, member!]) {
      expectProblem(await api.get(`/api/chats/${chatId}`, { token: who.token }), 404, 'chat_not_found');
      expectProblem(await api.get(`/api/chats/${chatId}/messages`, { token: who.token }), 404, 'chat_not_found');
      expectProblem(await api.post(`/api/chats/${chatId}/messages?content=hello`, { token: who.token }), 404, 'chat_not_found');
      expect((await listChats(api, who)).map((c) => c.id)).not.toContain(chatId);
      expect((await listChats(api, who, true)).map((c) => c.id)).not.toContain(chatId);
    }
    expectProblem(await api.delete(`/api/chats/${chatId}`, { token: owner!.token }), 404, 'chat_not_found');
    expect((await download(server.url, imageUrl)).status).toBe(404);
  });

  it('a deleted public group is no longer listed or joinable', async () => {
    const owner = await register(api);
    const chatId = await createGroup(api, owner, [], { name: 'Vanishing Square', is_public: true });
    const visitor = await register(api);
    expect((await api.get('/api/chats/public?query=Vanishing', { token: visitor.token })).body).toHaveLength(1);
    await api.delete(`/api/chats/${chatId}`, { token: owner.token });
    expect((await api.get('/api/chats/public?query=Vanishing', { token: visitor.token })).body).toHaveLength(0);
    expectProblem(await api.post(`/api/chats/${chatId}/join`, { token: visitor.token }), 404, 'chat_not_found');
  });

  it('400 not_a_group for a direct chat; 403 for a non-member; 404 for an unknown chat', async () => {
    const [a, b, c] = await registerMany(api, 3);
    const direct = await openDirect(api, a!, b!.username);
    expectProblem(await api.delete(`/api/chats/${direct}`, { token: a!.token }), 400, 'not_a_group');
    const group = await createGroup(api, a!);
    expectProblem(await api.delete(`/api/chats/${group}`, { token: c!.token }), 403, 'not_a_member');
    expectProblem(await api.delete(`/api/chats/${UNKNOWN_ID}`, { token: a!.token }), 404, 'chat_not_found');
  });
});
