import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, newUserFields, register, type Reply } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';
import { viaSession } from './helpers.js';

// These limits count real time inside @fastify/rate-limit; every test stays far inside one minute
// and asserts counts, never timings.

function expectRateLimited(res: Reply, limit: number) {
  expectProblem(res, 429, 'rate_limited');
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(res.headers.get('ratelimit-limit')).toBe(String(limit));
  expect(res.headers.get('ratelimit-remaining')).toBe('0');
  expect(res.body.detail).toMatch(/^Too many requests; try again in \d+ seconds\.$/);
}

describe('login, register and refresh: AUTH_RATE_LIMIT_PER_MINUTE per IP', () => {
  let server: TestServer;
  let api: Api;
  let fields: ReturnType<typeof newUserFields>;

  beforeAll(async () => {
    server = await startServer({ AUTH_RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: 'true', LOGIN_MAX_FAILURES: '1000' });
    api = new Api(server.url);
    // Set up through the services, so the HTTP budget of the tests is untouched.
    fields = newUserFields();
    await server.services.users.create(fields);
  });
  afterAll(() => server.close());

  const from = (ip: string) => ({ 'x-forwarded-for': ip });

  it('the 4th login from one IP in a minute gets 429 rate_limited with Retry-After and RateLimit-* headers', async () => {
    const headers = from('10.0.0.1');
    const remaining: (string | null)[] = [];
    for (const password of ['wrong password', 'wrong again!', fields.password]) {
      const res = await api.post('/api/auth/login', { body: { email: fields.email, password }, headers });
      expect(res.status).not.toBe(429);
      expect(res.headers.get('ratelimit-limit')).toBe('3');
      remaining.push(res.headers.get('ratelimit-remaining'));
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const fourth = await api.post('/api/auth/login', { body: { email: fields.email, password: fields.password }, headers });
    expectRateLimited(fourth, 3);
  });

  it('counts per IP: another IP may still log in', async () => {
    const blocked = from('10.0.0.2');
    for (let i = 0; i < 3; i++) {
      await api.post('/api/auth/login', { body: { email: fields.email, password: fields.password }, headers: blocked });
    }
    expectRateLimited(await api.post('/api/auth/login', { body: { email: fields.email, password: fields.password }, headers: blocked }), 3);
    const other = await api.post('/api/auth/login', { body: { email: fields.email, password: fields.password }, headers: from('10.0.0.3') });
    expect(other.status, other.text).toBe(200);
  });

  it('the 4th register from one IP gets 429 and creates no account', async () => {
    const headers = from('10.0.0.4');
    for (let i = 0; i < 3; i++) {
      expect((await api.post('/api/auth/register', { body: newUserFields(), headers })).status).toBe(201);
    }
    const extra = newUserFields();
    expectRateLimited(await api.post('/api/auth/register', { body: extra, headers }), 3);
    const login = await api.post('/api/auth/login', { body: { email: extra.email, password: extra.password }, headers: from('10.0.0.5') });
    expectProblem(login, 401, 'invalid_credentials');
  });

  it('the 4th refresh from one IP gets 429', async () => {
    const headers = from('10.0.0.6');
    let { refresh_token } = await server.services.auth.login({ email: fields.email, password: fields.password }, { ip: '10.0.0.6', userAgent: null });
    for (let i = 0; i < 3; i++) {
      const res = await api.post('/api/auth/refresh', { body: { refresh_token }, headers });
      expect(res.status, res.text).toBe(200);
      refresh_token = res.body.refresh_token;
    }
    expectRateLimited(await api.post('/api/auth/refresh', { body: { refresh_token }, headers }), 3);
  });

  it('the strict limit does not apply to other routes', async () => {
    const headers = from('10.0.0.7');
    const { access_token } = await server.services.auth.login({ email: fields.email, password: fields.password }, { ip: '10.0.0.7', userAgent: null });
    for (let i = 0; i < 6; i++) {
      expect((await api.get('/api/users/me', { token: access_token, headers })).status).toBe(200);
    }
  });
});

describe('everything else: RATE_LIMIT_PER_MINUTE per user', () => {
  let server: TestServer;
  let api: Api;

  beforeAll(async () => {
    server = await startServer({ RATE_LIMIT_PER_MINUTE: '5' });
    api = new Api(server.url);
  });
  afterAll(() => server.close());

  it('the 6th authenticated request in a minute gets 429; another user is not limited', async () => {
    const [ali, sara] = [await register(api), await register(api)];
    const remaining: (string | null)[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await api.get('/api/users/me', { token: ali.token });
      expect(res.status, res.text).toBe(200);
      expect(res.headers.get('ratelimit-limit')).toBe('5');
      remaining.push(res.headers.get('ratelimit-remaining'));
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    expectRateLimited(await api.get('/api/users/me', { token: ali.token }), 5);

    // Same IP, different user: a budget of its own.
    for (let i = 0; i < 5; i++) {
      expect((await api.get('/api/users/me', { token: sara.token })).status).toBe(200);
    }
  });

  it('counts per user, not per session or credential', async () => {
    const user = await register(api);
    const second = await api.post('/api/auth/login', { body: { email: user.email, password: user.password } });
    expect(second.status).toBe(200);
    for (let i = 0; i < 3; i++) {
      expect((await api.get('/api/users/me', { token: user.token })).status).toBe(200);
    }
    for (let i = 0; i < 2; i++) {
      expect((await api.get('/api/users/me', viaSession(user.sessionToken))).status).toBe(200);
    }
    expectRateLimited(await api.get('/api/users/me', { token: second.body.access_token }), 5);
    expectRateLimited(await api.get('/api/auth/validate', viaSession(second.body.session_id)), 5);
  });

  it('login and register are not counted against it', async () => {
    // Many more logins than RATE_LIMIT_PER_MINUTE: they have their own (here generous) limit.
    const user = await register(api);
    for (let i = 0; i < 7; i++) {
      expect((await api.post('/api/auth/login', { body: { email: user.email, password: user.password } })).status).toBe(200);
    }
  });
});
