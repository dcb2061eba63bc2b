import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Api, register, type Registered } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

let server: TestServer;
let api: Api;

beforeAll(async () => {
  // TRUST_PROXY lets a test speak from several client IPs via X-Forwarded-For.
  server = await startServer({ LOGIN_MAX_FAILURES: '3', TRUST_PROXY: 'true' });
  api = new Api(server.url);
});
afterAll(() => server.close());

// Failures are remembered for 15 minutes and locks last at most 15: start every test clean.
beforeEach(() => server.clock.advance(31 * MINUTE));

function attempt(identifier: string, password: string, ip = '203.0.113.1') {
  return api.post('/api/auth/login', { body: { identifier, password }, headers: { 'x-forwarded-for': ip } });
}

async function failTimes(n: number, identifier: string, ip?: string) {
  for (let i = 0; i < n; i++) {
    expectProblem(await attempt(identifier, `wrong password ${i}`, ip), 401, 'invalid_credentials');
  }
}

function expectLocked(res: Awaited<ReturnType<typeof attempt>>, seconds: number) {
  expectProblem(res, 429, 'too_many_login_attempts');
  expect(res.headers.get('retry-after')).toBe(String(seconds));
  expect(res.body.detail).toBe(`Too many failed logins; try again in ${seconds} seconds.`);
}

describe('login throttling (LOGIN_MAX_FAILURES=3)', () => {
  let sara: Registered;
  beforeAll(async () => {
    sara = await register(api);
  });

  it('after 3 failures the 4th attempt gets 429 with Retry-After, even with the right password', async () => {
    await failTimes(3, sara.email);
    expectLocked(await attempt(sara.email, sara.password), 30);
    // The same account under another spelling is the same account.
    expectLocked(await attempt(sara.email.toUpperCase(), sara.password), 30);
  });

  it('once the lock has passed, the right password works again', async () => {
    await failTimes(3, sara.username);
    server.clock.advance(20 * SECOND);
    expectLocked(await attempt(sara.username, sara.password), 10);
    server.clock.advance(10 * SECOND);
    const res = await attempt(sara.username, sara.password);
    expect(res.status, res.text).toBe(200);
  });

  it('each further failure doubles the lock', async () => {
    await failTimes(3, sara.email);
    server.clock.advance(30 * SECOND);
    await failTimes(1, sara.email);
    expectLocked(await attempt(sara.email, sara.password), 60);
    server.clock.advance(60 * SECOND);
    await failTimes(1, sara.email);
    expectLocked(await attempt(sara.email, sara.password), 120);
    server.clock.advance(120 * SECOND);
    expect((await attempt(sara.email, sara.password)).status).toBe(200);
  });

  it('a success clears the count', async () => {
    await failTimes(2, sara.email);
    expect((await attempt(sara.email, sara.password)).status).toBe(200);
    await failTimes(2, sara.email);
    expect((await attempt(sara.email, sara.password)).status).toBe(200);
  });

  it('fewer failures than the limit do not lock', async () => {
    await failTimes(2, sara.email);
    expect((await attempt(sara.email, sara.password)).status).toBe(200);
  });

  it('failures older than 15 minutes are forgotten', async () => {
    await failTimes(2, sara.email);
    server.clock.advance(16 * MINUTE);
    await failTimes(2, sara.email);
    expect((await attempt(sara.email, sara.password)).status).toBe(200);
  });

  it('the account lock holds from every IP, and other accounts are not locked', async () => {
    const other = await register(api);
    await failTimes(3, sara.email, '198.51.100.7');
    expectLocked(await attempt(sara.email, sara.password, '192.0.2.99'), 30);
    expect((await attempt(other.email, other.password, '198.51.100.7')).status).toBe(200);
  });

  it('an account that does not exist locks the same way (no hint that it does not exist)', async () => {
    await failTimes(3, 'ghost@example.com');
    expectLocked(await attempt('ghost@example.com', 'whatever-password'), 30);
  });

  it('many failures from one IP (4× the limit) lock that IP for every account', async () => {
    const ip = '198.51.100.200';
    for (let i = 0; i < 12; i++) {
      expectProblem(await attempt(`nobody_${i}@example.com`, 'wrong password', ip), 401, 'invalid_credentials');
    }
    const res = await attempt(sara.email, sara.password, ip);
    expectProblem(res, 429, 'too_many_login_attempts');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    // Other IPs are not affected.
    expect((await attempt(sara.email, sara.password, '198.51.100.201')).status).toBe(200);
    server.clock.advance(31 * SECOND);
    expect((await attempt(sara.email, sara.password, ip)).status).toBe(200);
  });

  it('while locked, a wrong password does not lengthen the lock', async () => {
    await failTimes(3, sara.email);
    for (let i = 0; i < 5; i++) {
      expectLocked(await attempt(sara.email, 'still wrong'), 30);
    }
    server.clock.advance(30 * SECOND);
    expect((await attempt(sara.email, sara.password)).status).toBe(200);
  });
});
