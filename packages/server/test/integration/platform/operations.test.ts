import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../../support/client.js';
import { startServer, type TestServer } from '../../support/server.js';

let server: TestServer;
let api: Api;

beforeAll(async () => {
  server = await startServer({ CORS_ORIGINS: 'https://app.example.com' });
  api = new Api(server.url);
});
afterAll(() => server.close());

describe('operations endpoints', () => {
  it('/healthz answers ok', async () => {
    const res = await api.get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('/readyz checks the database', async () => {
    const res = await api.get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
    expect(['sqlite', 'postgres']).toContain(res.body.database);
  });

  it('/metrics serves Prometheus text with request durations', async () => {
    await api.get('/healthz');
    const res = await api.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toContain('majlis_http_request_duration_seconds');
    expect(res.text).toContain('majlis_process_cpu_seconds_total');
  });

  it('CORS allows only the configured origins', async () => {
    const allowed = await fetch(`${server.url}/api/auth/login`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const denied = await fetch(`${server.url}/api/auth/login`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' },
    });
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
  });
});
