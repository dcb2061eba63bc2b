import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, register } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';

let server: TestServer;
let api: Api;

beforeAll(async () => {
  server = await startServer({ BODY_LIMIT_BYTES: '64KB' });
  api = new Api(server.url);
});
afterAll(() => server.close());

describe('errors are problem+json', () => {
  it('unknown routes get 404 not_found', async () => {
    expectProblem(await api.get('/api/nothing-here'), 404, 'not_found');
    expectProblem(await api.get('/nothing'), 404, 'not_found');
  });

  it('schema failures get 400 with errors per field', async () => {
    const res = await api.post('/api/auth/register', { body: { username: 'x', email: 'not-an-email', password: 1 } });
    expectProblem(res, 400, 'validation_failed');
    const fields = res.body.errors.map((e: { field: string }) => e.field).sort();
    expect(fields).toEqual(['email', 'password', 'username']);
  });

  it('missing required fields are named', async () => {
    const res = await api.post('/api/auth/register', { body: {} });
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['username', 'email', 'password']));
  });

  it('malformed JSON gets 400 invalid_json', async () => {
    const res = await api.post('/api/auth/login', { raw: '{"email": ', headers: { 'content-type': 'application/json' } });
    expectProblem(res, 400, 'invalid_json');
  });

  it('a body over the limit gets 413', async () => {
    const res = await api.post('/api/auth/login', { body: { email: 'a@b.c', password: 'x'.repeat(70 * 1024) } });
    expectProblem(res, 413, 'payload_too_large');
  });

  it('an unsupported content type gets 415', async () => {
    const res = await api.post('/api/auth/login', { raw: 'email=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expectProblem(res, 415, 'unsupported_media_type');
  });

  it('detail follows Accept-Language: en, ar, fa', async () => {
    const body = { email: 'nobody@example.com', password: 'whatever123' };
    const en = await api.post('/api/auth/login', { body });
    const ar = await api.post('/api/auth/login', { body, headers: { 'accept-language': 'ar-SA,ar;q=0.9' } });
    const fa = await api.post('/api/auth/login', { body, headers: { 'accept-language': 'fa-IR' } });
    const fallback = await api.post('/api/auth/login', { body, headers: { 'accept-language': 'de' } });
    expect(en.body.detail).toBe('Invalid email or password');
    expect(ar.body.detail).toBe('اسم المستخدم أو كلمة المرور غير صحيحة');
    expect(fa.body.detail).toBe('ایمیل یا رمز عبور نادرست است');
    expect(fallback.body.detail).toBe('Invalid email or password');
    for (const res of [en, ar, fa]) {
      expectProblem(res, 401, 'invalid_credentials');
    }
  });

  it('unknown JSON fields are ignored', async () => {
    const res = await api.post('/api/auth/register', {
      body: { username: 'ignored_fields', email: 'ignored@example.com', password: 'password123', extra: { nested: true } },
    });
    expect(res.status).toBe(201);
  });

  it('every response carries a request id and security headers', async () => {
    const res = await api.get('/healthz');
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('a wrong type in a path or query is 400, never 500', async () => {
    const { token } = await register(api);
    expectProblem(await api.get('/api/users?limit=abc', { token }), 403, 'admin_required');
    expectProblem(await api.get(`/api/users/search?query=${'x'.repeat(500)}`, { token }), 400, 'validation_failed');
  });
});
