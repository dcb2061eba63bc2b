import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, register } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';
import { credsOf, expectSignedIn, expectSignedOut, viaSession } from './helpers.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let server: TestServer;
let api: Api;

beforeAll(async () => {
  server = await startServer({ ACCESS_TOKEN_TTL: '15m', REFRESH_TOKEN_TTL: '2h' });
  api = new Api(server.url);
});
afterAll(() => server.close());

function refresh(refreshToken: string) {
  return api.post('/api/auth/refresh', { body: { refresh_token: refreshToken } });
}

describe('POST /api/auth/refresh', () => {
  it('returns a new access and refresh token for the same session and user', async () => {
    const user = await register(api);
    server.clock.advance(5 * MINUTE);
    const res = await refresh(user.refresh);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'bearer', expires_in: 15 * 60, refresh_expires_in: 2 * 3600, user: { id: user.user.id } });
    expect(res.body.access_token).not.toBe(user.token);
    expect(res.body.refresh_token).not.toBe(user.refresh);
    // The session token is a secret shown only at login: a refresh does not hand it out again.
    expect(res.body.session_id).toBeUndefined();

    const before = await api.get('/api/auth/validate', { token: user.token });
    const after = await api.get('/api/auth/validate', { token: res.body.access_token });
    expect(after.status).toBe(200);
    expect(after.body.session.id).toBe(before.body.session.id);
    // The session token keeps working across refreshes.
    expect((await api.get('/api/auth/validate', viaSession(user.sessionToken))).status).toBe(200);
  });

  it('rotates on every use: each new refresh token works once, in a chain', async () => {
    const user = await register(api);
    let current = user.refresh;
    for (let i = 0; i < 3; i++) {
      server.clock.advance(MINUTE);
      const res = await refresh(current);
      expect(res.status, res.text).toBe(200);
      current = res.body.refresh_token;
    }
    expect((await api.get('/api/auth/validate', { token: user.token })).status).toBe(200);
  });

  it('reusing a rotated refresh token → 401 refresh_token_reused and the whole session ends', async () => {
    const user = await register(api);
    const other = await api.post('/api/auth/login', { body: { email: user.email, password: user.password } });
    const first = await refresh(user.refresh);
    expect(first.status).toBe(200);

    const reuse = await refresh(user.refresh);
    expectProblem(reuse, 401, 'refresh_token_reused');

    // Every credential of that session is dead: the old and the new access token, the new refresh
    // token (which the thief or the owner may hold) and the session token.
    await expectSignedOut(api, { token: first.body.access_token, refresh: first.body.refresh_token, sessionToken: user.sessionToken });
    expectProblem(await api.get('/api/auth/validate', { token: user.token }), 401, 'session_revoked');
    // The same user's other session is untouched.
    await expectSignedIn(api, { token: other.body.access_token, sessionToken: other.body.session_id });
  });

  it('two refreshes racing with one token: one wins, the other counts as reuse and ends the session', async () => {
    const user = await register(api);
    const results = await Promise.all([refresh(user.refresh), refresh(user.refresh)]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 401]);
    const loser = results.find((r) => r.status === 401);
    const winner = results.find((r) => r.status === 200);
    expectProblem(loser as NonNullable<typeof loser>, 401, 'refresh_token_reused');
    const tokens = winner?.body;
    await expectSignedOut(api, { token: tokens.access_token, refresh: tokens.refresh_token, sessionToken: user.sessionToken });
  });

  it('reusing it again keeps answering 401', async () => {
    const user = await register(api);
    expect((await refresh(user.refresh)).status).toBe(200);
    expectProblem(await refresh(user.refresh), 401, 'refresh_token_reused');
    const again = await refresh(user.refresh);
    expect(again.status).toBe(401);
  });

  it('a garbage or unknown refresh token → 401 invalid_refresh_token', async () => {
    for (const token of ['garbage', 'mjr_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'x'.repeat(512)]) {
      expectProblem(await refresh(token), 401, 'invalid_refresh_token');
    }
  });

  it('an access token or a session token is not a refresh token', async () => {
    const user = await register(api);
    expectProblem(await refresh(user.token), 401, 'invalid_refresh_token');
    expectProblem(await refresh(user.sessionToken), 401, 'invalid_refresh_token');
    // ...and trying did not end the session.
    await expectSignedIn(api, credsOf(user));
  });

  it('a missing or empty refresh_token → 400', async () => {
    expectProblem(await api.post('/api/auth/refresh', { body: {} }), 400, 'validation_failed');
    expectProblem(await refresh(''), 400, 'validation_failed');
    expectProblem(await api.post('/api/auth/refresh'), 400, 'validation_failed');
  });

  it('works without an access token, even after the access token expired', async () => {
    const user = await register(api);
    server.clock.advance(16 * MINUTE);
    expectProblem(await api.get('/api/auth/validate', { token: user.token }), 401, 'invalid_token');
    const res = await refresh(user.refresh);
    expect(res.status, res.text).toBe(200);
    expect((await api.get('/api/auth/validate', { token: res.body.access_token })).status).toBe(200);
  });

  describe('REFRESH_TOKEN_TTL', () => {
    it('a refresh token unused for longer → 401 and the session is over', async () => {
      const user = await register(api);
      server.clock.advance(2 * HOUR + 1000);
      expectProblem(await refresh(user.refresh), 401, 'invalid_refresh_token');
      expectProblem(await api.get('/api/auth/validate', viaSession(user.sessionToken)), 401, 'session_revoked');
    });

    it('still works just before it expires', async () => {
      const user = await register(api);
      server.clock.advance(2 * HOUR - 1000);
      expect((await refresh(user.refresh)).status).toBe(200);
    });

    it('each refresh starts a new lifetime', async () => {
      const user = await register(api);
      let current = user.refresh;
      // 3 × 1.5 h is longer than one lifetime, but the session is in use all along.
      for (let i = 0; i < 3; i++) {
        server.clock.advance(90 * MINUTE);
        const res = await refresh(current);
        expect(res.status, `refresh ${i}: ${res.text}`).toBe(200);
        current = res.body.refresh_token;
      }
      server.clock.advance(2 * HOUR + 1000);
      expectProblem(await refresh(current), 401, 'invalid_refresh_token');
    });
  });

  it('a revoked session cannot be refreshed', async () => {
    const user = await register(api);
    expect((await api.post('/api/auth/logout', { token: user.token })).status).toBe(200);
    expectProblem(await refresh(user.refresh), 401, 'session_revoked');
  });
});
