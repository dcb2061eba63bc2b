import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, register, type Registered } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';
import { viaSession } from './helpers.js';

const SECRET = 'tokens-test-secret-0123456789-abcdefghijklmnop';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let server: TestServer;
let api: Api;

beforeAll(async () => {
  server = await startServer({ JWT_SECRET: SECRET, ACCESS_TOKEN_TTL: '15m', REFRESH_TOKEN_TTL: '2h' });
  api = new Api(server.url);
});
afterAll(() => server.close());

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const parts = (jwt: string) => jwt.split('.') as [string, string, string];
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(parts(jwt)[1], 'base64url').toString('utf8'));

/** A token signed like the server's, with chosen claims, secret and times. */
function sign(claims: Record<string, unknown>, opts: { secret?: string; sub?: string; iat?: number; exp?: number } = {}) {
  const now = Math.floor(server.clock.now() / 1000);
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(opts.iat ?? now)
    .setExpirationTime(opts.exp ?? now + 900);
  if (opts.sub) {
    jwt = jwt.setSubject(opts.sub);
  }
  return jwt.sign(new TextEncoder().encode(opts.secret ?? SECRET));
}

const validate = (token: string) => api.get('/api/auth/validate', { token });

describe('access tokens (Authorization: Bearer)', () => {
  let user: Registered;
  beforeAll(async () => {
    user = await register(api);
  });

  it('is a HS256 JWT naming the user (sub) and the session (sid), expiring after ACCESS_TOKEN_TTL', async () => {
    const header = JSON.parse(Buffer.from(parts(user.token)[0], 'base64url').toString('utf8'));
    expect(header.alg).toBe('HS256');
    const claims = claimsOf(user.token);
    const session = await validate(user.token);
    expect(claims.sub).toBe(user.user.id);
    expect(claims.sid).toBe(session.body.session.id);
    expect(claims.exp - claims.iat).toBe(15 * 60);
  });

  it('the scheme is case-insensitive', async () => {
    expect((await api.get('/api/auth/validate', { headers: { authorization: `bearer ${user.token}` } })).status).toBe(200);
  });

  it('expires after ACCESS_TOKEN_TTL → 401 invalid_token', async () => {
    const fresh = await register(api);
    server.clock.advance(15 * MINUTE - 1000);
    expect((await validate(fresh.token)).status).toBe(200);
    server.clock.advance(2000);
    expectProblem(await validate(fresh.token), 401, 'invalid_token');
    expectProblem(await api.get('/api/users/me', { token: fresh.token }), 401, 'invalid_token');
    // The session itself is fine: a refresh gives a working token again.
    const next = await api.post('/api/auth/refresh', { body: { refresh_token: fresh.refresh } });
    expect(next.status).toBe(200);
    expect((await validate(next.body.access_token)).status).toBe(200);
  });

  it('a tampered signature → 401', async () => {
    const [h, p, s] = parts(user.token);
    // Change the first character: the last one partly holds padding bits.
    const flipped = `${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`;
    expectProblem(await validate(`${h}.${p}.${flipped}`), 401, 'invalid_token');
  });

  it('a tampered payload (another user as sub, same signature) → 401', async () => {
    const other = await register(api);
    const [h, , s] = parts(user.token);
    const forged = `${h}.${b64({ ...claimsOf(user.token), sub: other.user.id })}.${s}`;
    expectProblem(await validate(forged), 401, 'invalid_token');
  });

  it('alg "none" → 401', async () => {
    const claims = claimsOf(user.token);
    for (const alg of ['none', 'None', 'NONE']) {
      const unsigned = `${b64({ alg, typ: 'JWT' })}.${b64(claims)}.`;
      expectProblem(await validate(unsigned), 401, 'invalid_token');
    }
  });

  it('another algorithm with the same secret (HS512) → 401', async () => {
    const claims = claimsOf(user.token);
    const hs512 = await new SignJWT(claims).setProtectedHeader({ alg: 'HS512' }).sign(new TextEncoder().encode(SECRET));
    expectProblem(await validate(hs512), 401, 'invalid_token');
  });

  it('signed with another secret → 401', async () => {
    const claims = claimsOf(user.token);
    const token = await sign({ sid: claims.sid }, { sub: claims.sub, secret: 'some-other-secret-that-is-long-enough-0123456789' });
    expectProblem(await validate(token), 401, 'invalid_token');
  });

  it('correctly signed but naming an unknown session, or another user’s session → 401', async () => {
    const other = await register(api);
    const otherSid = claimsOf(other.token).sid;
    expectProblem(await validate(await sign({ sid: '01936d3c-7b1a-7c3e-9d52-3f6a1b2c4d5e' }, { sub: user.user.id })), 401, 'invalid_token');
    expectProblem(await validate(await sign({ sid: otherSid }, { sub: user.user.id })), 401, 'invalid_token');
  });

  it('correctly signed but missing sid or sub → 401', async () => {
    const { sid } = claimsOf(user.token);
    expectProblem(await validate(await sign({}, { sub: user.user.id })), 401, 'invalid_token');
    expectProblem(await validate(await sign({ sid })), 401, 'invalid_token');
  });

  it('correctly signed but already expired → 401', async () => {
    const { sid } = claimsOf(user.token);
    const now = Math.floor(server.clock.now() / 1000);
    expectProblem(await validate(await sign({ sid }, { sub: user.user.id, iat: now - 3600, exp: now - 1 })), 401, 'invalid_token');
  });

  it.each([
    ['garbage', 'garbage'],
    ['three dots of garbage', 'a.b.c'],
    ['an empty JWT', '..'],
    ['a session token', 'mjs_notAnAccessToken'],
  ])('%s → 401 invalid_token', async (_what, token) => {
    expectProblem(await validate(token), 401, 'invalid_token');
  });

  it.each([
    ['Bearer with no token', 'Bearer'],
    ['Bearer and spaces', 'Bearer   '],
    ['Basic auth', 'Basic dXNlcjpwYXNz'],
    ['a bare token', 'eyJhbGciOiJIUzI1NiJ9.e30.x'],
  ])('a malformed Authorization header (%s) → 401, never 500', async (_what, authorization) => {
    const res = await api.get('/api/auth/validate', { headers: { authorization } });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('no credentials at all → 401 not_authenticated with WWW-Authenticate', async () => {
    const res = await api.get('/api/auth/validate');
    expectProblem(res, 401, 'not_authenticated');
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });
});

describe('X-Session-ID (isht seed)', () => {
  it('the session_id from login authenticates like a bearer token', async () => {
    const user = await register(api);
    const login = await api.post('/api/auth/login', { body: { identifier: user.username, password: user.password } });
    const sessionToken = login.body.session_id;
    const bySession = await api.get('/api/auth/validate', viaSession(sessionToken));
    const byBearer = await api.get('/api/auth/validate', { token: login.body.access_token });
    expect(bySession.status).toBe(200);
    expect(bySession.body.user.id).toBe(user.user.id);
    expect(bySession.body.session).toEqual(byBearer.body.session);
    expect(bySession.body.session.current).toBe(true);
    const me = await api.get('/api/users/me', viaSession(sessionToken));
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(user.email);
  });

  it('is not the public session id from the sessions list', async () => {
    const user = await register(api);
    const { body } = await api.get('/api/auth/validate', viaSession(user.sessionToken));
    expect(body.session.id).not.toBe(user.sessionToken);
    expectProblem(await api.get('/api/auth/validate', viaSession(body.session.id)), 401, 'invalid_token');
  });

  it('an unknown or garbage session token → 401', async () => {
    for (const token of ['garbage', 'mjs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']) {
      expectProblem(await api.get('/api/auth/validate', viaSession(token)), 401, 'invalid_token');
    }
  });

  it('an access token sent as X-Session-ID is not accepted', async () => {
    const user = await register(api);
    expectProblem(await api.get('/api/auth/validate', viaSession(user.token)), 401, 'invalid_token');
  });

  it('does not expire with the access token, only when the session is unused for REFRESH_TOKEN_TTL', async () => {
    const user = await register(api);
    // In use every 90 minutes: past the 15 min access TTL and, added up, past the 2 h session TTL.
    for (let i = 0; i < 3; i++) {
      server.clock.advance(90 * MINUTE);
      const res = await api.get('/api/auth/validate', viaSession(user.sessionToken));
      expect(res.status, `use ${i}: ${res.text}`).toBe(200);
    }
    server.clock.advance(2 * HOUR + 1000);
    expectProblem(await api.get('/api/auth/validate', viaSession(user.sessionToken)), 401, 'session_revoked');
  });

  it('stops working after logout', async () => {
    const user = await register(api);
    expect((await api.post('/api/auth/logout', viaSession(user.sessionToken))).status).toBe(200);
    expectProblem(await api.get('/api/auth/validate', viaSession(user.sessionToken)), 401, 'session_revoked');
    expectProblem(await api.get('/api/auth/validate', { token: user.token }), 401, 'session_revoked');
  });

  it('Authorization wins when both are sent', async () => {
    const a = await register(api);
    const b = await register(api);
    const res = await api.get('/api/auth/validate', { token: a.token, headers: { 'x-session-id': b.sessionToken } });
    expect(res.body.user.id).toBe(a.user.id);
  });
});
