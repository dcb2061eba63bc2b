import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import accepts from '@fastify/accepts';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandling } from '../../../src/http/error-handler.js';
import { installWebClient, WEB_CLIENT_CSP } from '../../../src/http/web-client.js';
import { startServer, type TestServer } from '../../support/server.js';

const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

async function appWith(root: string): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify({ logger: false });
  installErrorHandling(app, { bodyLimit: 1024, uploadLimit: 1024 });
  await app.register(accepts); // problem+json answers negotiate their language
  app.get('/api/ping', async () => ({ ok: true }));
  await installWebClient(app, { root });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url };
}

describe('the web client at /', () => {
  let dir: string;
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'majlis-web-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>app</title>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(dir, '.secret'), 'no');
    ({ app, url } = await appWith(dir));
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at / with its CSP, never cached', async () => {
    const res = await fetch(`${url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toBe(WEB_CLIENT_CSP);
    expect(await res.text()).toContain('<title>app</title>');
  });

  it('serves hashed assets for good, other files briefly', async () => {
    const asset = await fetch(`${url}/assets/index-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const icon = await fetch(`${url}/favicon.svg`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
  });

  it('answers a browser asking for any app path with index.html', async () => {
    const res = await fetch(`${url}/chat/some-id`, { headers: HTML });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>app</title>');
  });

  it('leaves unknown paths a problem+json 404 for API clients, and never shadows the server', async () => {
    for (const path of ['/chat/some-id', '/assets/missing.js', '/api/nothing', '/ws', '/uploads/x', '/docs/x', '/metrics/x', '/%61pi/x']) {
      for (const headers of [{}, HTML]) {
        const res = await fetch(`${url}${path}`, { headers });
        if (path === '/chat/some-id' && headers === HTML) {
          continue;
        }
        expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(404);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(((await res.json()) as { code: string }).code).toBe('not_found');
      }
    }
    expect(await (await fetch(`${url}/api/ping`, { headers: HTML })).json()).toEqual({ ok: true });
  });

  it('serves no dotfiles and nothing outside its folder', async () => {
    for (const path of ['/.secret', '/assets/..%2f..%2fpackage.json', '/assets/%2e%2e/%2e%2e/package.json', '/..%2f.secret']) {
      const res = await fetch(`${url}${path}`, { headers: HTML });
      expect(res.status, path).toBe(404);
    }
  });

  it('says so when the client is not built, without failing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'majlis-web-empty-'));
    const bare = await appWith(join(empty, 'dist'));
    try {
      const res = await fetch(`${bare.url}/`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('The web client is not built');
      expect((await fetch(`${bare.url}/assets/index.js`)).status).toBe(404);
      expect((await fetch(`${bare.url}/api/nothing`, { headers: HTML })).status).toBe(404);
    } finally {
      await bare.app.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('the web client in the whole server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('answers / with a page, and keeps the API, docs and probes as they were', async () => {
    const page = await fetch(`${server.url}/`, { headers: HTML });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toBe(WEB_CLIENT_CSP);
    const api = await fetch(`${server.url}/api/nothing-here`, { headers: HTML });
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/openapi.json`)).status).toBe(200);
    const docs = await fetch(`${server.url}/docs`, { headers: HTML });
    expect(docs.status).toBe(200);
    expect(await docs.text()).toMatch(/swagger/i);
  });
});
