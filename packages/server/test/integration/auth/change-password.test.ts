import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, register } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';
import { credsOf, expectSignedIn, expectSignedOut, loginAgain, viaSession } from './helpers.js';

let server: TestServer;
let api: Api;

beforeAll(async () => {
  server = await startServer({ LOGIN_MAX_FAILURES: '1000' });
  api = new Api(server.url);
});
afterAll(() => server.close());

const NEW_PASSWORD = 'a brand new passphrase';

describe('POST /api/auth/change-password', () => {
  it('changes the password and ends every other session; this one keeps working', async () => {
    const user = await register(api);
    const phone = await loginAgain(api, user);
    const laptop = await loginAgain(api, user);
    const stranger = await register(api);

    const res = await api.post('/api/auth/change-password', { token: user.token, body: { old_password: user.password, new_password: NEW_PASSWORD } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ status: 'password_changed', revoked_sessions: 2 });

    await expectSignedOut(api, phone);
    await expectSignedOut(api, laptop);
    await expectSignedIn(api, credsOf(user));
    expect((await api.post('/api/auth/refresh', { body: { refresh_token: user.refresh } })).status).toBe(200);
    await expectSignedIn(api, stranger);

    const sessions = await api.get('/api/auth/sessions', { token: user.token });
    expect(sessions.body).toHaveLength(1);
    expect(sessions.body[0].current).toBe(true);
  });

  it('afterwards the new password logs in and the old one does not', async () => {
    const user = await register(api);
    await api.post('/api/auth/change-password', { token: user.token, body: { old_password: user.password, new_password: NEW_PASSWORD } });
    expectProblem(await api.post('/api/auth/login', { body: { email: user.email, password: user.password } }), 401, 'invalid_credentials');
    const login = await api.post('/api/auth/login', { body: { email: user.email, password: NEW_PASSWORD } });
    expect(login.status, login.text).toBe(200);
  });

  it('works with X-Session-ID, keeping that session', async () => {
    const user = await register(api);
    const other = await loginAgain(api, user);
    const res = await api.post(
      '/api/auth/change-password',
      viaSession(user.sessionToken, { body: { old_password: user.password, new_password: NEW_PASSWORD } }),
    );
    expect(res.status, res.text).toBe(200);
    expect(res.body.revoked_sessions).toBe(1);
    await expectSignedIn(api, credsOf(user));
    await expectSignedOut(api, other);
  });

  it('a wrong old password → 400 incorrect_password, nothing changes', async () => {
    const user = await register(api);
    const phone = await loginAgain(api, user);
    const res = await api.post('/api/auth/change-password', { token: user.token, body: { old_password: 'not-the-password', new_password: NEW_PASSWORD } });
    expectProblem(res, 400, 'incorrect_password');
    await expectSignedIn(api, phone);
    expect((await api.post('/api/auth/login', { body: { email: user.email, password: user.password } })).status).toBe(200);
    expectProblem(await api.post('/api/auth/login', { body: { email: user.email, password: NEW_PASSWORD } }), 401, 'invalid_credentials');
  });

  it.each([
    ['too short (7)', '1234567'],
    ['too long (257)', 'x'.repeat(257)],
  ])('a new password %s → 400 validation_failed naming new_password', async (_what, newPassword) => {
    const user = await register(api);
    const phone = await loginAgain(api, user);
    const res = await api.post('/api/auth/change-password', { token: user.token, body: { old_password: user.password, new_password: newPassword } });
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['new_password']);
    await expectSignedIn(api, phone);
    expect((await api.post('/api/auth/login', { body: { email: user.email, password: user.password } })).status).toBe(200);
  });

  it('missing fields → 400', async () => {
    const user = await register(api);
    const res = await api.post('/api/auth/change-password', { token: user.token, body: {} });
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['new_password', 'old_password']);
  });

  it('without credentials → 401', async () => {
    expectProblem(await api.post('/api/auth/change-password', { body: { old_password: 'whatever1', new_password: NEW_PASSWORD } }), 401, 'not_authenticated');
  });
});
