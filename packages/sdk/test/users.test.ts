import { MajlisError } from 'majlis-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, client, connect, newUser, PASSWORD, person, pngBlob, startServer, type TestServer, waitFor } from './helpers.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer({ ADMIN_EMAILS: ADMIN_EMAIL });
});
afterAll(() => server.close());

describe('users', () => {
  it('me, updateMe, get and search', async () => {
    const [a, b] = [await person(server), await person(server)];
    expect((await a.client.users.me()).email).toBe(a.email);
    const updated = await a.client.users.updateMe({ full_name: 'Sara Karimi', bio: 'سلام!' });
    expect(updated).toMatchObject({ id: a.user.id, full_name: 'Sara Karimi', bio: 'سلام!' });
    const seen = await b.client.users.get(a.user.id);
    expect(seen).toMatchObject({ id: a.user.id, full_name: 'Sara Karimi', email: null });
    const found = await b.client.users.search(a.username);
    expect(found.map((u) => u.id)).toContain(a.user.id);
  });

  it('uploadProfileImage sends multipart and returns the image path', async () => {
    const a = await person(server);
    const res = await a.client.users.uploadProfileImage(await pngBlob(), 'me.png');
    expect(res.profile_image).toMatch(/^\/uploads\//);
    expect((await a.client.users.me()).profile_image).toBe(res.profile_image);
  });

  it('status, touchLastSeen and online', async () => {
    const [a, b] = [await person(server), await person(server)];
    await a.client.chats.openDirect({ user_id: b.user.id });
    expect(await a.client.users.touchLastSeen()).toEqual({ status: 'updated' });
    const status = await b.client.users.status(a.user.id);
    expect(status).toMatchObject({ user_id: a.user.id, is_online: false });
    expect(status.last_seen).not.toBeNull();
    const rt = await connect(a);
    try {
      await waitFor(async () => (await b.client.users.online()).some((u) => u.id === a.user.id), 'a online');
      expect((await b.client.users.status(a.user.id)).is_online).toBe(true);
    } finally {
      rt.close();
    }
  });

  it('block, blocked and unblock', async () => {
    const [a, b] = [await person(server), await person(server)];
    expect(await a.client.users.block(b.user.id)).toEqual({ status: 'blocked' });
    expect((await a.client.users.blocked()).map((u) => u.id)).toEqual([b.user.id]);
    await expect(b.client.chats.openDirect({ user_id: a.user.id })).rejects.toMatchObject({ status: 403, code: 'blocked' });
    expect(await a.client.users.unblock(b.user.id)).toEqual({ status: 'unblocked' });
    expect(await a.client.users.blocked()).toEqual([]);
    await a.client.users.block(a.user.id).then(
      () => expect.fail('blocking myself must fail'),
      (e: unknown) => expect(e).toMatchObject({ status: 400, code: 'cannot_block_self' }),
    );
  });

  it('deleteMe ends every session and forgets the tokens', async () => {
    const a = await person(server);
    const reasons: string[] = [];
    a.client.on('logged_out', (e) => reasons.push(e.reason));
    expect(await a.client.users.deleteMe({ password: PASSWORD })).toEqual({ status: 'deleted' });
    expect(reasons).toEqual(['account_deleted']);
    expect(a.client.isLoggedIn).toBe(false);
    const again = client(server);
    await expect(again.auth.login({ email: a.email, password: PASSWORD })).rejects.toBeInstanceOf(MajlisError);
  });
});

describe('users.admin', () => {
  it('list, create, update, delete and statistics (admins); 403 for others', async () => {
    const admin = client(server);
    const reg = await admin.auth.register(newUser({ email: ADMIN_EMAIL }));
    expect(reg.user.role).toBe('admin');
    const plain = await person(server);

    const created = await admin.users.admin.create({ ...newUser(), role: 'user' });
    expect(created.role).toBe('user');
    const page = await admin.users.admin.list({ limit: 200 });
    expect(page.users.map((u) => u.id)).toContain(created.id);
    expect(page.total).toBeGreaterThanOrEqual(3);
    const searched = await admin.users.admin.list({ query: created.username });
    expect(searched.users.map((u) => u.id)).toEqual([created.id]);

    const promoted = await admin.users.admin.update(created.id, { role: 'admin', full_name: 'Made Admin' });
    expect(promoted).toMatchObject({ role: 'admin', full_name: 'Made Admin' });

    const stats = await admin.users.admin.statistics();
    expect(stats.total_users).toBeGreaterThanOrEqual(3);
    expect(stats.admins).toBeGreaterThanOrEqual(2);

    expect(await admin.users.admin.delete(created.id)).toEqual({ status: 'deleted' });
    await expect(admin.users.get(created.id)).rejects.toMatchObject({ status: 404 });

    await expect(plain.client.users.admin.list()).rejects.toMatchObject({ status: 403, code: 'admin_required' });
    await expect(plain.client.users.admin.create(newUser())).rejects.toMatchObject({ status: 403, code: 'admin_required' });
  });
});
