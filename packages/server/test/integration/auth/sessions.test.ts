import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, register, type Registered } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';
import { credsOf, expectSignedIn, expectSignedOut, loginAgain, viaSession, type Credentials } from './helpers.js';

const MINUTE = 60_000;

let server: TestServer;
let api: Api;

beforeAll(async () => {
  server = await startServer();
  api = new Api(server.url);
});
afterAll(() => server.close());

const nowIso = () => new Date(server.clock.now()).toISOString();

/** The public id of the session a token belongs to. */
async function sessionIdOf(token: string): Promise<string> {
  const res = await api.get('/api/auth/validate', { token });
  expect(res.status, res.text).toBe(200);
  return res.body.session.id;
}

describe('GET /api/auth/validate', () => {
  it('answers {valid:true, user, session} with session.current true', async () => {
    const user = await register(api);
    const createdAt = nowIso();
    const res = await api.get('/api/auth/validate', { token: user.token, headers: { 'user-agent': 'ignored-here' } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({
      valid: true,
      user: expect.objectContaining({ id: user.user.id, username: user.username, email: user.email, role: 'user' }),
      session: {
        id: expect.any(String),
        user_agent: expect.anything(),
        ip: '127.0.0.1',
        created_at: createdAt,
        last_used_at: createdAt,
        current: true,
      },
    });
    expect(res.body.session.id).not.toBe(user.sessionToken);
  });

  it('without credentials → 401', async () => {
    expectProblem(await api.get('/api/auth/validate'), 401, 'not_authenticated');
  });
});

describe('GET /api/auth/sessions', () => {
  let user: Registered;
  let phone: Credentials;
  let laptop: Credentials;

  beforeAll(async () => {
    user = await register(api);
    server.clock.advance(MINUTE);
    phone = await loginAgain(api, user, { 'user-agent': 'MajlisPhone/1.0 (Android 14)' });
    server.clock.advance(MINUTE);
    laptop = await loginAgain(api, user, { 'user-agent': 'Mozilla/5.0 (X11; Linux) Firefox/130' });
  });

  it('lists one entry per login with user_agent, ip, times and which one is current', async () => {
    const res = await api.get('/api/auth/sessions', { token: phone.token });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toHaveLength(3);
    const phoneId = await sessionIdOf(phone.token);
    const byAgent = new Map(res.body.map((s: { user_agent: string }) => [s.user_agent, s]));
    expect(byAgent.get('MajlisPhone/1.0 (Android 14)')).toMatchObject({ id: phoneId, ip: '127.0.0.1', current: true });
    expect(byAgent.get('Mozilla/5.0 (X11; Linux) Firefox/130')).toMatchObject({ ip: '127.0.0.1', current: false });
    expect(res.body.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    for (const s of res.body) {
      expect(Object.keys(s).sort()).toEqual(['created_at', 'current', 'id', 'ip', 'last_used_at', 'user_agent']);
      expect(s.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    // Ids are public names, never the secret session tokens.
    for (const secret of [user.sessionToken, phone.sessionToken, laptop.sessionToken, phone.refresh]) {
      expect(res.text).not.toContain(secret);
    }
  });

  it('"current" follows the caller, with either kind of credential', async () => {
    const laptopId = await sessionIdOf(laptop.token);
    const res = await api.get('/api/auth/sessions', viaSession(laptop.sessionToken));
    const current = res.body.filter((s: { current: boolean }) => s.current);
    expect(current.map((s: { id: string }) => s.id)).toEqual([laptopId]);
  });

  it('last_used_at moves when a session is used, newest first', async () => {
    server.clock.advance(5 * MINUTE);
    const usedAt = nowIso();
    expect((await api.get('/api/users/me', { token: user.token })).status).toBe(200);
    const res = await api.get('/api/auth/sessions', { token: user.token });
    const registerId = await sessionIdOf(user.token);
    expect(res.body[0]).toMatchObject({ id: registerId, last_used_at: usedAt });
    expect(res.body[0].created_at < res.body[0].last_used_at).toBe(true);
  });

  it('shows only my own sessions', async () => {
    const stranger = await register(api);
    const res = await api.get('/api/auth/sessions', { token: stranger.token });
    expect(res.body).toHaveLength(1);
    expect(res.body[0].id).toBe(await sessionIdOf(stranger.token));
  });

  it('without credentials → 401', async () => {
    expectProblem(await api.get('/api/auth/sessions'), 401, 'not_authenticated');
  });
});

describe('DELETE /api/auth/sessions/{id}', () => {
  it('revokes that one session of mine: its credentials get 401, the others keep working', async () => {
    const user = await register(api);
    const phone = await loginAgain(api, user, { 'user-agent': 'Phone' });
    const laptop = await loginAgain(api, user, { 'user-agent': 'Laptop' });
    const phoneId = await sessionIdOf(phone.token);

    const res = await api.delete(`/api/auth/sessions/${phoneId}`, { token: laptop.token });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ status: 'revoked' });

    await expectSignedOut(api, phone);
    await expectSignedIn(api, laptop);
    await expectSignedIn(api, credsOf(user));
    const list = await api.get('/api/auth/sessions', { token: laptop.token });
    expect(list.body.map((s: { id: string }) => s.id)).not.toContain(phoneId);
    expect(list.body).toHaveLength(2);
  });

  it('may end the current session too', async () => {
    const user = await register(api);
    const id = await sessionIdOf(user.token);
    expect((await api.delete(`/api/auth/sessions/${id}`, { token: user.token })).status).toBe(200);
    await expectSignedOut(api, credsOf(user));
  });

  it('a session already ended → 404 session_not_found', async () => {
    const user = await register(api);
    const phone = await loginAgain(api, user);
    const phoneId = await sessionIdOf(phone.token);
    expect((await api.delete(`/api/auth/sessions/${phoneId}`, { token: user.token })).status).toBe(200);
    expectProblem(await api.delete(`/api/auth/sessions/${phoneId}`, { token: user.token }), 404, 'session_not_found');
  });

  it('another user’s session id → 404 session_not_found, and that session lives on', async () => {
    const me = await register(api);
    const victim = await register(api);
    const victimId = await sessionIdOf(victim.token);
    expectProblem(await api.delete(`/api/auth/sessions/${victimId}`, { token: me.token }), 404, 'session_not_found');
    await expectSignedIn(api, victim);
  });

  it('an unknown id → 404 session_not_found', async () => {
    const me = await register(api);
    for (const id of ['01936d3c-7b1a-7c3e-9d52-3f6a1b2c4d5e', 'nope']) {
      expectProblem(await api.delete(`/api/auth/sessions/${id}`, { token: me.token }), 404, 'session_not_found');
    }
  });

  it('the secret session token is not an id here', async () => {
    const me = await register(api);
    expectProblem(await api.delete(`/api/auth/sessions/${encodeURIComponent(me.sessionToken)}`, { token: me.token }), 404, 'session_not_found');
    await expectSignedIn(api, me);
  });

  it('without credentials → 401', async () => {
    const me = await register(api);
    const id = await sessionIdOf(me.token);
    expectProblem(await api.delete(`/api/auth/sessions/${id}`), 401, 'not_authenticated');
    await expectSignedIn(api, me);
  });
});

// Last in this file: it moves the clock by a month.
describe('sessions unused for REFRESH_TOKEN_TTL (30 days)', () => {
  it('end by themselves and leave the list; sessions in use live on', async () => {
    const user = await register(api);
    const tablet = await loginAgain(api, user, { 'user-agent': 'Tablet' });
    server.clock.advance(29 * 24 * 60 * MINUTE);
    // Only the registration's session is used (its session token does not expire with the access token).
    expect((await api.get('/api/users/me', viaSession(user.sessionToken))).status).toBe(200);
    server.clock.advance(2 * 24 * 60 * MINUTE);

    expectProblem(await api.get('/api/auth/validate', viaSession(tablet.sessionToken)), 401, 'session_revoked');
    expectProblem(await api.post('/api/auth/refresh', { body: { refresh_token: tablet.refresh } }), 401, 'invalid_refresh_token');
    const list = await api.get('/api/auth/sessions', viaSession(user.sessionToken));
    expect(list.status, list.text).toBe(200);
    expect(list.body).toHaveLength(1);
    expect(list.body[0].current).toBe(true);
  });
});
