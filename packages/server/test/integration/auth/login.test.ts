import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, newUserFields, register, type Registered } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';
import { expectSignedIn, login } from './helpers.js';

let server: TestServer;
let api: Api;
let sara: Registered;

beforeAll(async () => {
  // Failed logins here are deliberate; keep the throttle out of the way (throttle.test.ts covers it).
  server = await startServer({ ADMIN_EMAILS: 'chief@example.com', LOGIN_MAX_FAILURES: '1000' });
  api = new Api(server.url);
  sara = await register(api, { username: 'Sara_K', email: 'Sara.K@Example.com', password: 'sara-secret-1' });
});
afterAll(() => server.close());

describe('POST /api/auth/login', () => {
  it('by email: 200 with the same shape as register and a new session', async () => {
    const { reply, token, sessionToken } = await login(api, { email: sara.email, password: sara.password });
    expect(reply.body).toMatchObject({
      token_type: 'bearer',
      expires_in: 24 * 3600,
      user: { id: sara.user.id, username: 'Sara_K', email: 'Sara.K@Example.com', role: 'user' },
    });
    expect(typeof reply.body.refresh_token).toBe('string');
    expect(reply.body.session_id).not.toBe(sara.sessionToken);
    expect(reply.body.refresh_token).not.toBe(sara.refresh);
    await expectSignedIn(api, { token, sessionToken });
    // The registration's session is a different one and still works.
    await expectSignedIn(api, { token: sara.token, sessionToken: sara.sessionToken });
  });

  it('by username', async () => {
    const { reply } = await login(api, { username: 'Sara_K', password: sara.password });
    expect(reply.body.user.id).toBe(sara.user.id);
  });

  it('by identifier, holding either the email or the username', async () => {
    for (const identifier of ['Sara.K@Example.com', 'Sara_K']) {
      const { reply } = await login(api, { identifier, password: sara.password });
      expect(reply.body.user.id).toBe(sara.user.id);
    }
  });

  it('email and username match case-insensitively and ignore surrounding spaces', async () => {
    const variants: Record<string, string>[] = [
      { email: 'sara.k@example.com' },
      { email: 'SARA.K@EXAMPLE.COM' },
      { username: 'sara_k' },
      { identifier: '  SARA_K ' },
    ];
    for (const body of variants) {
      const { reply } = await login(api, { ...body, password: sara.password });
      expect(reply.body.user.id).toBe(sara.user.id);
    }
  });

  it('empty identifier fields are ignored in favour of a filled one', async () => {
    const { reply } = await login(api, { identifier: '', username: '', email: sara.email, password: sara.password });
    expect(reply.body.user.id).toBe(sara.user.id);
  });

  it('a stale or bogus Authorization header does not get in the way', async () => {
    const res = await api.post('/api/auth/login', { token: 'stale.bogus.token', body: { email: sara.email, password: sara.password } });
    expect(res.status, res.text).toBe(200);
  });

  it('every login is its own session', async () => {
    const a = await login(api, { email: sara.email, password: sara.password });
    const b = await login(api, { email: sara.email, password: sara.password });
    const [va, vb] = await Promise.all([api.get('/api/auth/validate', { token: a.token }), api.get('/api/auth/validate', { token: b.token })]);
    expect(va.body.session.id).not.toBe(vb.body.session.id);
  });

  describe('wrong pair → 401 invalid_credentials', () => {
    it('the answer for an unknown account equals the one for a wrong password', async () => {
      const wrongPassword = await api.post('/api/auth/login', { body: { email: sara.email, password: 'not-her-password' } });
      const unknownEmail = await api.post('/api/auth/login', { body: { email: 'nobody-here@example.com', password: 'not-her-password' } });
      const unknownUsername = await api.post('/api/auth/login', { body: { username: 'nobody_here', password: sara.password } });
      for (const res of [wrongPassword, unknownEmail, unknownUsername]) {
        expectProblem(res, 401, 'invalid_credentials');
        expect(res.body.detail).toBe('Invalid email or password');
      }
      expect(unknownEmail.body).toEqual(wrongPassword.body);
      expect(unknownUsername.body).toEqual(wrongPassword.body);
      expect(unknownEmail.headers.get('content-type')).toBe(wrongPassword.headers.get('content-type'));
    });

    it('also identical in Arabic', async () => {
      const headers = { 'accept-language': 'ar' };
      const wrongPassword = await api.post('/api/auth/login', { body: { identifier: 'Sara_K', password: 'not-her-password' }, headers });
      const unknown = await api.post('/api/auth/login', { body: { identifier: 'ghost_user', password: 'not-her-password' }, headers });
      expectProblem(wrongPassword, 401, 'invalid_credentials');
      expect(unknown.body).toEqual(wrongPassword.body);
      expect(wrongPassword.body.detail).toBe('اسم المستخدم أو كلمة المرور غير صحيحة');
    });

    it('the password is case-sensitive and not trimmed', async () => {
      for (const password of ['SARA-SECRET-1', ` ${sara.password}`, `${sara.password} `]) {
        expectProblem(await api.post('/api/auth/login', { body: { email: sara.email, password } }), 401, 'invalid_credentials');
      }
    });

    it('a failed login creates no session', async () => {
      const count = async () =>
        Number(
          (
            await server.storage.db
              .selectFrom('sessions')
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      const before = await count();
      expectProblem(await api.post('/api/auth/login', { body: { email: sara.email, password: 'wrong-wrong' } }), 401, 'invalid_credentials');
      expect(await count()).toBe(before);
    });
  });

  describe('400 for a malformed request', () => {
    it('no email, username or identifier', async () => {
      const res = await api.post('/api/auth/login', { body: { password: sara.password } });
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.errors.length).toBeGreaterThan(0);
    });

    it('only blank identifiers', async () => {
      expectProblem(await api.post('/api/auth/login', { body: { email: '   ', password: sara.password } }), 400, 'validation_failed');
    });

    it('no password', async () => {
      const res = await api.post('/api/auth/login', { body: { email: sara.email } });
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['password']);
    });

    it('no body', async () => {
      expectProblem(await api.post('/api/auth/login'), 400, 'validation_failed');
    });
  });

  describe('ADMIN_EMAILS', () => {
    it('promotes an existing plain user to admin when they log in', async () => {
      const fields = newUserFields({ email: 'Chief@Example.com' });
      // Created as a plain user on purpose (as if before the email was configured).
      const row = await server.services.users.create({ ...fields, role: 'user' });
      expect(row.role).toBe('user');
      const { reply, token } = await login(api, { identifier: fields.username, password: fields.password });
      expect(reply.body.user.role).toBe('admin');
      const me = await api.get('/api/users/me', { token });
      expect(me.body.role).toBe('admin');
      // Stored, not only shown.
      const stored = await server.storage.db.selectFrom('users').select('role').where('id', '=', row.id).executeTakeFirstOrThrow();
      expect(stored.role).toBe('admin');
    });

    it('leaves everyone else a plain user', async () => {
      const { reply } = await login(api, { email: sara.email, password: sara.password });
      expect(reply.body.user.role).toBe('user');
    });
  });
});
