import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, register } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';
import { credsOf, expectSignedIn, expectSignedOut, loginAgain, viaSession } from './helpers.js';

let server: TestServer;
let api: Api;

beforeAll(async () => {
  server = await startServer({ ACCESS_TOKEN_TTL: '15m' });
  api = new Api(server.url);
});
afterAll(() => server.close());

describe('POST /api/auth/logout', () => {
  it('with the access token: 200, and that session’s access, refresh and session tokens get 401 at once', async () => {
    const user = await register(api);
    const phone = await loginAgain(api, user);
    const res = await api.post('/api/auth/logout', { token: user.token });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ status: 'logged_out' });
    await expectSignedOut(api, credsOf(user));
    // The other device is still logged in.
    await expectSignedIn(api, phone);
    expect((await api.post('/api/auth/refresh', { body: { refresh_token: phone.refresh } })).status).toBe(200);
  });

  it('with only {refresh_token} and no access token', async () => {
    const user = await register(api);
    const other = await loginAgain(api, user);
    const res = await api.post('/api/auth/logout', { body: { refresh_token: user.refresh } });
    expect(res.status, res.text).toBe(200);
    await expectSignedOut(api, credsOf(user));
    await expectSignedIn(api, other);
  });

  it('with the access token and its own refresh token', async () => {
    const user = await register(api);
    expect((await api.post('/api/auth/logout', { token: user.token, body: { refresh_token: user.refresh } })).status).toBe(200);
    await expectSignedOut(api, credsOf(user));
  });

  it('with X-Session-ID', async () => {
    const user = await register(api);
    expect((await api.post('/api/auth/logout', viaSession(user.sessionToken))).status).toBe(200);
    await expectSignedOut(api, credsOf(user));
  });

  it('with an empty JSON body and the access token', async () => {
    const user = await register(api);
    expect((await api.post('/api/auth/logout', { token: user.token, body: {} })).status).toBe(200);
    await expectSignedOut(api, credsOf(user));
  });

  it('with an expired access token and the refresh token: 200, the session ends', async () => {
    // Clients send their stored Authorization header along; it may have expired long ago while
    // the refresh token still lives. Logging out must still end the session.
    const user = await register(api);
    server.clock.advance(16 * 60_000);
    expectProblem(await api.get('/api/auth/validate', { token: user.token }), 401, 'invalid_token');
    const res = await api.post('/api/auth/logout', { token: user.token, body: { refresh_token: user.refresh } });
    expect(res.status, res.text).toBe(200);
    expectProblem(await api.post('/api/auth/refresh', { body: { refresh_token: user.refresh } }), 401, 'session_revoked');
    expectProblem(await api.get('/api/auth/validate', viaSession(user.sessionToken)), 401, 'session_revoked');
  });

  it('with an expired or bogus access token and no refresh token → 401', async () => {
    const user = await register(api);
    server.clock.advance(16 * 60_000);
    expect((await api.post('/api/auth/logout', { token: user.token })).status).toBe(401);
    expect((await api.post('/api/auth/logout', { token: 'bogus' })).status).toBe(401);
    // The session is still there for its session token.
    expect((await api.get('/api/auth/validate', viaSession(user.sessionToken))).status).toBe(200);
  });

  it('with no credentials at all → 401', async () => {
    expectProblem(await api.post('/api/auth/logout'), 401, 'not_authenticated');
    expectProblem(await api.post('/api/auth/logout', { body: {} }), 401, 'not_authenticated');
    expectProblem(await api.post('/api/auth/logout', { body: { refresh_token: '' } }), 401, 'not_authenticated');
  });

  it('with an unknown refresh token → 401', async () => {
    expectProblem(await api.post('/api/auth/logout', { body: { refresh_token: 'not-a-refresh-token' } }), 401, 'invalid_refresh_token');
  });

  it('with someone else’s refresh token → 401, and neither session ends', async () => {
    const me = await register(api);
    const victim = await register(api);
    expectProblem(await api.post('/api/auth/logout', { token: me.token, body: { refresh_token: victim.refresh } }), 401, 'invalid_refresh_token');
    await expectSignedIn(api, victim);
    await expectSignedIn(api, me);
  });

  it('an ended session cannot log out again', async () => {
    const user = await register(api);
    expect((await api.post('/api/auth/logout', { token: user.token })).status).toBe(200);
    expect((await api.post('/api/auth/logout', { token: user.token })).status).toBe(401);
  });

  it('the ended session leaves the sessions list', async () => {
    const user = await register(api);
    const phone = await loginAgain(api, user);
    await api.post('/api/auth/logout', { token: phone.token });
    const list = await api.get('/api/auth/sessions', { token: user.token });
    expect(list.body).toHaveLength(1);
    expect(list.body[0].current).toBe(true);
  });
});

describe('POST /api/auth/logout-all', () => {
  it('ends every session of mine and says how many', async () => {
    const user = await register(api);
    const phone = await loginAgain(api, user, { 'user-agent': 'Phone' });
    const laptop = await loginAgain(api, user, { 'user-agent': 'Laptop' });
    const stranger = await register(api);

    const res = await api.post('/api/auth/logout-all', { token: phone.token });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ status: 'logged_out', revoked_sessions: 3 });

    for (const creds of [credsOf(user), phone, laptop]) {
      await expectSignedOut(api, creds);
    }
    // Nobody else is affected.
    await expectSignedIn(api, stranger);
  });

  it('works with X-Session-ID', async () => {
    const user = await register(api);
    await loginAgain(api, user);
    const res = await api.post('/api/auth/logout-all', viaSession(user.sessionToken));
    expect(res.body.revoked_sessions).toBe(2);
    await expectSignedOut(api, credsOf(user));
  });

  it('does not count sessions that had already ended', async () => {
    const user = await register(api);
    const old = await loginAgain(api, user);
    await api.post('/api/auth/logout', { token: old.token });
    const res = await api.post('/api/auth/logout-all', { token: user.token });
    expect(res.body.revoked_sessions).toBe(1);
  });

  it('after it, logging in again works', async () => {
    const user = await register(api);
    await api.post('/api/auth/logout-all', { token: user.token });
    await expectSignedIn(api, await loginAgain(api, user));
  });

  it('without credentials → 401', async () => {
    expectProblem(await api.post('/api/auth/logout-all'), 401, 'not_authenticated');
  });
});
