import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, register } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';

let server: TestServer;
let api: Api;

beforeAll(async () => {
  server = await startServer({ ADMIN_EMAILS: 'stats-admin@example.com' });
  api = new Api(server.url);
});
afterAll(() => server.close());

// Chats are created straight in the database here: the chats API arrives with the messaging work.
async function insertChat(id: string, type: 'single' | 'group', isPublic: boolean, members: string[], deleted = false) {
  const now = server.clock.now();
  await server.storage.db
    .insertInto('chats')
    .values({ id, type, name: type === 'group' ? id : null, description: null, image: null, is_public: isPublic ? 1 : 0, direct_key: type === 'single' ? members.join(':') : null, created_by: members[0] ?? null, last_activity_at: now, created_at: now, updated_at: now, deleted_at: deleted ? now : null })
    .execute();
  for (const user of members) {
    await server.storage.db.insertInto('chat_members').values({ chat_id: id, user_id: user, role: 'member', joined_at: now, archived_at: null, muted_until: null }).execute();
  }
}

describe('GET /api/chats/statistics', () => {
  it('counts live chats by kind for admins', async () => {
    const admin = await register(api, { email: 'stats-admin@example.com' });
    const a = await register(api);
    const b = await register(api);
    await insertChat('c-direct', 'single', false, [a.user.id, b.user.id]);
    await insertChat('c-group', 'group', false, [a.user.id, b.user.id, admin.user.id]);
    await insertChat('c-public', 'group', true, [a.user.id]);
    await insertChat('c-gone', 'group', false, [a.user.id], true);
    const res = await api.get('/api/chats/statistics', { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ total_chats: 3, direct_chats: 1, group_chats: 2, public_groups: 1, new_last_24h: 3, memberships: 6, total_messages: 0, messages_last_24h: 0 });
  });

  it('is for admins only', async () => {
    const user = await register(api);
    expectProblem(await api.get('/api/chats/statistics', { token: user.token }), 403, 'admin_required');
    expectProblem(await api.get('/api/chats/statistics'), 401, 'not_authenticated');
  });
});
