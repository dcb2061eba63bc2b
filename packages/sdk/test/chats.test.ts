import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, client, newUser, people, person, pngBlob, startServer, type TestServer } from './helpers.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer({ ADMIN_EMAILS: ADMIN_EMAIL });
});
afterAll(() => server.close());

describe('chats', () => {
  it('openDirect (identifier or user_id) returns the one chat of the pair; get and list show it', async () => {
    const [a, b] = await people(server, 2);
    const first = await a.client.chats.openDirect({ identifier: b.username });
    const again = await b.client.chats.openDirect({ user_id: a.user.id });
    expect(again.chat_id).toBe(first.chat_id);
    const chat = await a.client.chats.get(first.chat_id);
    expect(chat).toMatchObject({ id: first.chat_id, chat_type: 'single', my_role: 'member', unread_count: 0 });
    expect(chat.participants.map((u) => u.id).sort()).toEqual([a.user.id, b.user.id].sort());
    expect((await a.client.chats.list()).map((c) => c.id)).toContain(first.chat_id);
    await expect(a.client.chats.openDirect({ user_id: a.user.id })).rejects.toMatchObject({ status: 400, code: 'cannot_chat_with_self' });
  });

  it('createGroup by JSON and by multipart with an image', async () => {
    const [owner, m1, m2] = await people(server, 3);
    const json = await owner.client.chats.createGroup({ name: 'By JSON', description: 'd', participant_emails: [m1.email, 'nobody@example.com'] });
    expect(json.added).toBe(1);
    expect(json.not_found).toEqual(['nobody@example.com']);
    const multipart = await owner.client.chats.createGroup(
      { name: 'With image', participant_emails: [m1.username, m2.username], participant_ids: [], is_public: true },
      { file: await pngBlob(), filename: 'g.png' },
    );
    expect(multipart.added).toBe(2);
    const chat = await m2.client.chats.get(multipart.chat_id);
    expect(chat).toMatchObject({ group_name: 'With image', is_public: true, my_role: 'member', member_count: 3 });
    expect(chat.group_image).toMatch(/^\/uploads\//);
    expect((await owner.client.chats.get(json.chat_id)).my_role).toBe('owner');
  });

  it('public, join and leave', async () => {
    const [owner, visitor] = await people(server, 2);
    const tag = Math.random().toString(36).slice(2, 8);
    const { chat_id } = await owner.client.chats.createGroup({ name: `Open ${tag}`, is_public: true });
    const found = await visitor.client.chats.public({ query: tag });
    expect(found).toEqual([expect.objectContaining({ id: chat_id, is_member: false, member_count: 1 })]);
    expect(await visitor.client.chats.join(chat_id)).toEqual({ status: 'joined' });
    expect((await visitor.client.chats.public({ query: tag }))[0]?.is_member).toBe(true);
    expect(await visitor.client.chats.leave(chat_id)).toEqual({ status: 'left' });
    await expect(visitor.client.chats.get(chat_id)).rejects.toMatchObject({ status: 403, code: 'not_a_member' });
    const { chat_id: closed } = await owner.client.chats.createGroup({ name: 'Closed' });
    await expect(visitor.client.chats.join(closed)).rejects.toMatchObject({ status: 403, code: 'not_public' });
  });

  it('addParticipants, promote, demote, removeParticipant', async () => {
    const [owner, m1, m2] = await people(server, 3);
    const { chat_id } = await owner.client.chats.createGroup({ name: 'Team' });
    expect(await owner.client.chats.addParticipants(chat_id, { emails: [m1.email], user_ids: [m2.user.id] })).toEqual({ added: 2, not_found: [] });
    expect(await owner.client.chats.promote(chat_id, m1.user.id)).toEqual({ status: 'added' });
    expect((await m1.client.chats.get(chat_id)).my_role).toBe('admin');
    expect(await owner.client.chats.demote(chat_id, m1.user.id)).toEqual({ status: 'removed' });
    expect((await m1.client.chats.get(chat_id)).my_role).toBe('member');
    await expect(m1.client.chats.removeParticipant(chat_id, m2.user.id)).rejects.toMatchObject({ status: 403, code: 'chat_admin_required' });
    expect(await owner.client.chats.removeParticipant(chat_id, m2.user.id)).toEqual({ status: 'removed' });
    expect((await owner.client.chats.get(chat_id)).member_count).toBe(2);
  });

  it('updateGroup by JSON and with an image', async () => {
    const [owner] = await people(server, 1);
    const { chat_id } = await owner.client.chats.createGroup({ name: 'Before' });
    const renamed = await owner.client.chats.updateGroup(chat_id, { name: 'After', description: 'new', is_public: true });
    expect(renamed).toEqual({ id: chat_id, group_name: 'After', group_image: null, description: 'new', is_public: true });
    const withImage = await owner.client.chats.updateGroup(chat_id, { is_public: false }, { file: await pngBlob() });
    expect(withImage.group_image).toMatch(/^\/uploads\//);
    expect(withImage.is_public).toBe(false);
  });

  it('archive, archived, unarchive, mute, unmute', async () => {
    const [a, b] = await people(server, 2);
    const { chat_id } = await a.client.chats.openDirect({ user_id: b.user.id });
    expect(await a.client.chats.archive(chat_id)).toEqual({ status: 'archived' });
    expect((await a.client.chats.archived()).map((c) => c.id)).toEqual([chat_id]);
    expect((await a.client.chats.list()).map((c) => c.id)).not.toContain(chat_id);
    expect(await a.client.chats.unarchive(chat_id)).toEqual({ status: 'unarchived' });
    expect(await a.client.chats.archived()).toEqual([]);

    expect(await a.client.chats.mute(chat_id)).toEqual({ status: 'muted', muted_until: null });
    expect((await a.client.chats.get(chat_id)).is_muted).toBe(true);
    const until = await a.client.chats.mute(chat_id, { duration_seconds: 3600 });
    expect(until.muted_until).toMatch(/Z$/);
    expect(await a.client.chats.unmute(chat_id)).toEqual({ status: 'unmuted' });
    expect((await a.client.chats.get(chat_id)).is_muted).toBe(false);
  });

  it('delete (owner only)', async () => {
    const [owner, member] = await people(server, 2);
    const { chat_id } = await owner.client.chats.createGroup({ name: 'Doomed', participant_ids: [member.user.id] });
    await expect(member.client.chats.delete(chat_id)).rejects.toMatchObject({ status: 403, code: 'chat_owner_required' });
    expect(await owner.client.chats.delete(chat_id)).toEqual({ status: 'deleted' });
    await expect(member.client.chats.get(chat_id)).rejects.toMatchObject({ status: 404, code: 'chat_not_found' });
  });

  it('statistics (admins)', async () => {
    const admin = client(server);
    await admin.auth.register(newUser({ email: ADMIN_EMAIL }));
    const stats = await admin.chats.statistics();
    expect(stats.total_chats).toBeGreaterThan(0);
    expect(stats.group_chats).toBeGreaterThan(0);
    const plain = await person(server);
    await expect(plain.client.chats.statistics()).rejects.toMatchObject({ status: 403, code: 'admin_required' });
  });
});
