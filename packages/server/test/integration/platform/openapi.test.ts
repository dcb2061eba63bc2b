import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../../support/client.js';
import { startServer, type TestServer } from '../../support/server.js';

let server: TestServer;
let api: Api;

beforeAll(async () => {
  server = await startServer();
  api = new Api(server.url);
});
afterAll(() => server.close());

describe('OpenAPI', () => {
  it('is served at /openapi.json and matches the committed openapi.json (run `npm run openapi` after changing routes)', async () => {
    const res = await api.get('/openapi.json');
    expect(res.status).toBe(200);
    const committed = JSON.parse(readFileSync(new URL('../../../../../openapi.json', import.meta.url), 'utf8'));
    expect(res.body).toEqual(committed);
  });

  it('documents every API route with a response schema', async () => {
    const doc = (await api.get('/openapi.json')).body as { paths: Record<string, Record<string, { responses?: Record<string, unknown> }>> };
    const missing: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const ok = Object.keys(op.responses ?? {}).some((code) => code.startsWith('2'));
        if (path.startsWith('/api/') && !ok) {
          missing.push(`${method.toUpperCase()} ${path}`);
        }
      }
    }
    expect(missing).toEqual([]);
    for (const path of ['/api/auth/register', '/api/auth/login', '/api/users/me', '/api/users/search', '/api/users/{id}/status']) {
      expect(doc.paths[path], path).toBeDefined();
    }
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await fetch(`${server.url}/docs/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('swagger');
  });
});
