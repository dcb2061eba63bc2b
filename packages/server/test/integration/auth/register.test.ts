import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, newUserFields } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';
import { viaSession } from './helpers.js';

let server: TestServer;
let api: Api;

beforeAll(async () => {
  server = await startServer({ ADMIN_EMAILS: 'Boss@Example.com, second-admin@example.com' });
  api = new Api(server.url);
});
afterAll(() => server.close());

function fieldsOf(reply: { body: { errors?: { field: string }[] } }): string[] {
  return (reply.body.errors ?? []).map((e) => e.field);
}

describe('POST /api/auth/register', () => {
  it('creates the account, logs it in and answers 201 with tokens, session and user', async () => {
    const fields = newUserFields({ full_name: '  Sara Karimi  ' });
    const res = await api.post('/api/auth/register', { body: fields });
    expect(res.status, res.text).toBe(201);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(res.body).toMatchObject({
      token_type: 'bearer',
      expires_in: 24 * 3600,
      refresh_expires_in: 30 * 24 * 3600,
      user: {
        username: fields.username,
        email: fields.email,
        full_name: 'Sara Karimi',
        role: 'user',
        profile_image: null,
        bio: null,
        created_at: new Date(server.clock.now()).toISOString(),
      },
    });
    const { access_token, refresh_token, session_id, user } = res.body;
    expect(access_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(typeof refresh_token).toBe('string');
    expect(typeof session_id).toBe('string');
    expect(new Set([access_token, refresh_token, session_id]).size).toBe(3);
    expect(typeof user.id).toBe('string');
    expect(user.id).not.toMatch(/^\d+$/);
    expect(res.text).not.toContain(fields.password);
    expect(res.text).not.toContain('password');

    // Both credentials work at once and name the same user.
    const me = await api.get('/api/users/me', { token: access_token });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(user.id);
    const viaIsht = await api.get('/api/auth/validate', viaSession(session_id));
    expect(viaIsht.status).toBe(200);
    expect(viaIsht.body.user.id).toBe(user.id);
  });

  it('stores the password only as an argon2id hash', async () => {
    const fields = newUserFields();
    const res = await api.post('/api/auth/register', { body: fields });
    expect(res.status).toBe(201);
    const row = await server.storage.db.selectFrom('users').select('password_hash').where('id', '=', res.body.user.id).executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(row.password_hash).not.toContain(fields.password);
  });

  it('full_name is optional', async () => {
    const { full_name: _omit, ...fields } = newUserFields();
    const res = await api.post('/api/auth/register', { body: fields });
    expect(res.status, res.text).toBe(201);
    expect(res.body.user.full_name).toBeNull();
  });

  it('accepts Arabic and Persian usernames, and they can log in', async () => {
    for (const username of ['سارا_۱', 'محمد.علی', 'زهرا۱۴۰۳', 'ياسمين_2026']) {
      const fields = newUserFields({ username });
      const res = await api.post('/api/auth/register', { body: fields });
      expect(res.status, `${username}: ${res.text}`).toBe(201);
      expect(res.body.user.username).toBe(username);
      const login = await api.post('/api/auth/login', { body: { username, password: fields.password } });
      expect(login.status, login.text).toBe(200);
      expect(login.body.user.id).toBe(res.body.user.id);
    }
  });

  it('accepts a 32-letter Arabic username and passwords of exactly 8 and 256 characters', async () => {
    const long = await api.post('/api/auth/register', { body: newUserFields({ username: 'ع'.repeat(32) }) });
    expect(long.status, long.text).toBe(201);
    const short = await api.post('/api/auth/register', { body: newUserFields({ password: '12345678' }) });
    expect(short.status, short.text).toBe(201);
    const max = newUserFields({ password: 'p'.repeat(256) });
    const longest = await api.post('/api/auth/register', { body: max });
    expect(longest.status, longest.text).toBe(201);
    const login = await api.post('/api/auth/login', { body: { email: max.email, password: max.password } });
    expect(login.status).toBe(200);
  });

  describe('409 when the email or username is taken, case-insensitively', () => {
    it('username "Sara" blocks "sara" and "SARA"', async () => {
      const first = await api.post('/api/auth/register', { body: newUserFields({ username: 'Sara' }) });
      expect(first.status, first.text).toBe(201);
      for (const username of ['Sara', 'sara', 'SARA', 'ｓａｒａ']) {
        expectProblem(await api.post('/api/auth/register', { body: newUserFields({ username }) }), 409, 'username_taken');
      }
    });

    it('email "A@X.com" blocks "a@x.com"', async () => {
      const first = await api.post('/api/auth/register', { body: newUserFields({ email: 'A@X.com' }) });
      expect(first.status, first.text).toBe(201);
      for (const email of ['A@X.com', 'a@x.com', 'a@X.COM']) {
        const res = await api.post('/api/auth/register', { body: newUserFields({ email }) });
        expectProblem(res, 409, 'email_taken');
        expect(res.body.detail).toBe('Email already registered');
      }
    });

    it('a conflict creates no account and no session', async () => {
      const fields = newUserFields();
      expect((await api.post('/api/auth/register', { body: fields })).status).toBe(201);
      const before = await server.storage.db
        .selectFrom('sessions')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      expectProblem(await api.post('/api/auth/register', { body: { ...fields, username: `${fields.username}x` } }), 409, 'email_taken');
      const after = await server.storage.db
        .selectFrom('sessions')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(after.n)).toBe(Number(before.n));
      // The first account's password still works: the conflict changed nothing.
      expect((await api.post('/api/auth/login', { body: { email: fields.email, password: fields.password } })).status).toBe(200);
    });
  });

  describe('400 for invalid fields', () => {
    it.each([
      ['too short', 'ab'],
      ['too long', 'a'.repeat(33)],
      ['a space', 'sara k'],
      ['a dash', 'sara-k'],
      ['an @', 'sara@k'],
      ['empty', ''],
    ])('username with %s', async (_what, username) => {
      const res = await api.post('/api/auth/register', { body: newUserFields({ username }) });
      expectProblem(res, 400, 'validation_failed');
      expect(fieldsOf(res)).toEqual(['username']);
    });

    it.each(['not-an-email', 'a@', '@x.com', ''])('email %j', async (email) => {
      const res = await api.post('/api/auth/register', { body: newUserFields({ email }) });
      expectProblem(res, 400, 'validation_failed');
      expect(fieldsOf(res)).toEqual(['email']);
    });

    it.each([
      ['7 characters', '1234567'],
      ['257 characters', 'p'.repeat(257)],
      ['empty', ''],
    ])('password of %s', async (_what, password) => {
      const res = await api.post('/api/auth/register', { body: newUserFields({ password }) });
      expectProblem(res, 400, 'validation_failed');
      expect(fieldsOf(res)).toEqual(['password']);
    });

    it('a password that is not a string', async () => {
      const res = await api.post('/api/auth/register', { body: { ...newUserFields(), password: { secret: 'correct horse battery' } } });
      expectProblem(res, 400, 'validation_failed');
      expect(fieldsOf(res)).toEqual(['password']);
    });

    it('missing fields are each named', async () => {
      const res = await api.post('/api/auth/register', { body: { full_name: 'Nobody' } });
      expectProblem(res, 400, 'validation_failed');
      expect(fieldsOf(res).sort()).toEqual(['email', 'password', 'username']);
    });

    it('no body at all', async () => {
      expectProblem(await api.post('/api/auth/register'), 400, 'validation_failed');
    });
  });

  describe('ADMIN_EMAILS', () => {
    it('an email it lists registers as admin, whatever its case', async () => {
      const boss = await api.post('/api/auth/register', { body: newUserFields({ email: 'boss@example.com' }) });
      expect(boss.status, boss.text).toBe(201);
      expect(boss.body.user.role).toBe('admin');
      const second = await api.post('/api/auth/register', { body: newUserFields({ email: 'Second-Admin@Example.com' }) });
      expect(second.body.user.role).toBe('admin');
      const me = await api.get('/api/users/me', { token: boss.body.access_token });
      expect(me.body.role).toBe('admin');
    });

    it('any other email registers as a plain user', async () => {
      const res = await api.post('/api/auth/register', { body: newUserFields({ email: 'boss@example.org' }) });
      expect(res.body.user.role).toBe('user');
    });
  });
});
