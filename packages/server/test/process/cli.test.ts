import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Api } from '../support/client.js';
import { runCli, startServeProcess } from '../support/process.js';

// The CLI and `serve` as real processes against a real SQLite file (SQLite only: these test the
// process, not the dialect).
const dataDir = mkdtempSync(join(tmpdir(), 'majlis-cli-'));
const env = { DATA_DIR: dataDir, DATABASE_URL: '' };
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('majlis CLI', () => {
  it('migrate applies the migrations once', async () => {
    const first = await runCli(['migrate'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('001_identity');
    const again = await runCli(['migrate'], env);
    expect(again.stdout).toContain('up to date');
  });

  it('create-admin creates an admin who can log in and use admin routes', async () => {
    const res = await runCli(['create-admin', '--username', 'root_admin', '--email', 'root@example.com', '--password', 'password123'], env);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/created admin root_admin/);
    const again = await runCli(['create-admin', '--email', 'root@example.com'], env);
    expect(again.stdout).toMatch(/promoted root_admin/);
  });

  it('create-admin without enough arguments fails with usage (exit 2)', async () => {
    const res = await runCli(['create-admin', '--email', 'new@example.com'], env);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--username');
  });

  it('api-key create | list | revoke', async () => {
    const created = await runCli(['api-key', 'create', '--name', 'mobile app'], env);
    expect(created.code, created.stderr).toBe(0);
    const key = created.stdout.trim().split('\n').pop() ?? '';
    expect(key).toMatch(/^mjk_/);
    const id = /\(([0-9a-f-]{36})\)/.exec(created.stdout)?.[1] ?? '';
    const listed = await runCli(['api-key', 'list'], env);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).not.toContain(key);
    expect(listed.stdout).toContain('active');
    const revoked = await runCli(['api-key', 'revoke', id], env);
    expect(revoked.code).toBe(0);
    expect((await runCli(['api-key', 'list'], env)).stdout).toContain('revoked');
    const unknown = await runCli(['api-key', 'revoke', 'no-such-id'], env);
    expect(unknown.code).toBe(1);
  });

  it('config doc prints the configuration table', async () => {
    const res = await runCli(['config', 'doc'], {});
    expect(res.stdout).toContain('| `PORT` | `8009` |');
  });

  it('an unknown command exits 2 with usage', async () => {
    const res = await runCli(['frobnicate'], env);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('Usage: majlis');
  });

  it('a bad configuration value stops with one line naming the variable', async () => {
    const res = await runCli(['serve'], { ...env, PORT: 'not-a-port' });
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toEqual(['Invalid configuration: PORT="not-a-port" must be an integer from 0 to 65535.']);
  });
});

describe('majlis serve', () => {
  it('serves, generates and keeps its secret, and drains on SIGTERM', async () => {
    const server = await startServeProcess({ ...env, JWT_SECRET: '' });
    const api = new Api(server.url);
    const login = await api.post('/api/auth/login', { body: { email: 'root@example.com', password: 'password123' } });
    expect(login.status, login.text).toBe(200);
    expect(login.body.user.role).toBe('admin');
    const stats = await api.get('/api/users/statistics', { token: login.body.access_token });
    expect(stats.status).toBe(200);
    expect(statSync(join(dataDir, 'jwt-secret')).mode & 0o777).toBe(0o600);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    // A restart keeps the generated secret: the old token still works.
    const again = await startServeProcess({ ...env, JWT_SECRET: '' });
    const me = await new Api(again.url).get('/api/users/me', { token: login.body.access_token });
    expect(me.status).toBe(200);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });
});
