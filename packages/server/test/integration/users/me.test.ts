import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, newUserFields, register } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';
import { startServer, type TestServer } from '../../support/server.js';
import { download, fileForm, login } from './helpers.js';

let server: TestServer;
let api: Api;

beforeAll(async () => {
  // Many deliberate failed logins below: keep the login throttle out of the way.
  server = await startServer({ LOGIN_MAX_FAILURES: '1000' });
  api = new Api(server.url);
});
afterAll(() => server.close());

let seq = 0;
/** A short suffix unique within this file's run. */
function uniq(): string {
  seq += 1;
  return `${Date.now().toString(36).slice(-5)}${seq}`;
}

const USER_KEYS = ['bio', 'created_at', 'email', 'full_name', 'id', 'is_online', 'last_seen', 'profile_image', 'role', 'username'];

async function loginStatus(identifier: string, password: string): Promise<number> {
  return (await api.post('/api/auth/login', { body: { identifier, password } })).status;
}

describe('GET /api/users/me', () => {
  it('needs a token', async () => {
    expectProblem(await api.get('/api/users/me'), 401, 'not_authenticated');
    expectProblem(await api.get('/api/users/me', { token: 'not-a-jwt' }), 401, 'invalid_token');
    expectProblem(await api.get('/api/users/me', { headers: { authorization: 'Basic dXNlcjpwYXNz' } }), 401, 'invalid_token');
  });

  it('returns my whole profile, my email included', async () => {
    const me = await register(api, { full_name: 'Sara Karimi' });
    const res = await api.get('/api/users/me', { token: me.token });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(res.body).sort()).toEqual(USER_KEYS);
    expect(res.body).toEqual({
      id: me.user.id,
      username: me.username,
      email: me.email,
      full_name: 'Sara Karimi',
      profile_image: null,
      bio: null,
      role: 'user',
      is_online: false,
      last_seen: null,
      created_at: new Date(server.clock.now()).toISOString(),
    });
    expect(res.body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('accepts an X-Session-ID session token instead of a bearer token', async () => {
    const me = await register(api);
    const res = await api.get('/api/users/me', { headers: { 'x-session-id': me.sessionToken } });
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(me.user.id);
  });
});

describe.each(['PUT', 'PATCH'] as const)('%s /api/users/me', (method) => {
  const send = (token: string | undefined, body: unknown) => api.request(method, '/api/users/me', { token, body });

  it('needs a token', async () => {
    expectProblem(await send(undefined, { full_name: 'X' }), 401, 'not_authenticated');
  });

  it('changes only the fields sent', async () => {
    const me = await register(api, { full_name: 'Old Name' });
    const res = await send(me.token, { full_name: '  New Name  ', bio: 'Hello, I write Rust.' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: me.user.id, username: me.username, email: me.email, full_name: 'New Name', bio: 'Hello, I write Rust.' });

    const bioOnly = await send(me.token, { bio: 'Only bio' });
    expect(bioOnly.body).toMatchObject({ full_name: 'New Name', bio: 'Only bio', username: me.username, email: me.email });

    const again = await api.get('/api/users/me', { token: me.token });
    expect(again.body).toMatchObject({ full_name: 'New Name', bio: 'Only bio' });
  });

  it('an empty body changes nothing', async () => {
    const me = await register(api);
    const res = await send(me.token, {});
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ username: me.username, email: me.email, full_name: me.user.full_name });
  });

  it('null or blank full_name and null bio clear them', async () => {
    const me = await register(api, { full_name: 'Has Name' });
    await send(me.token, { bio: 'Some bio' });
    const cleared = await send(me.token, { full_name: null, bio: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({ full_name: null, bio: null });
    await send(me.token, { full_name: 'Back', bio: 'Back too' });
    const blank = await send(me.token, { full_name: '   ', bio: '' });
    expect(blank.body).toMatchObject({ full_name: null, bio: null });
  });

  it('changes the username; the new one logs in and the old one is free', async () => {
    const me = await register(api);
    const newName = `renamed_${uniq()}`;
    const res = await send(me.token, { username: newName });
    expect(res.status).toBe(200);
    expect(res.body.username).toBe(newName);
    expect(await loginStatus(newName, me.password)).toBe(200);
    expect(await loginStatus(newName.toUpperCase(), me.password)).toBe(200);
    expect(await loginStatus(me.username, me.password)).toBe(401);
    // The old name can be taken by someone else now.
    const other = await api.post('/api/auth/register', { body: newUserFields({ username: me.username }) });
    expect(other.status).toBe(201);
  });

  it('accepts usernames in any script, and a case change of my own username', async () => {
    const me = await register(api);
    const arabic = `مريم_${uniq()}`;
    const res = await send(me.token, { username: arabic });
    expect(res.status).toBe(200);
    expect(res.body.username).toBe(arabic);
    const latin = await register(api, { username: `Case_${uniq()}` });
    const upper = await send(latin.token, { username: latin.username.toUpperCase() });
    expect(upper.status).toBe(200);
    expect(upper.body.username).toBe(latin.username.toUpperCase());
  });

  it('changes the email; login follows it and the old email is free again', async () => {
    const me = await register(api);
    const newEmail = `moved_${uniq()}@example.org`;
    const res = await send(me.token, { email: newEmail });
    expect(res.status).toBe(200);
    expect(res.body.email).toBe(newEmail);
    expect(await loginStatus(newEmail, me.password)).toBe(200);
    expect(await loginStatus(newEmail.toUpperCase(), me.password)).toBe(200);
    expect(await loginStatus(me.email, me.password)).toBe(401);
    const other = await api.post('/api/auth/register', { body: newUserFields({ email: me.email }) });
    expect(other.status).toBe(201);
  });

  it("409 username_taken for another user's username, in any case", async () => {
    const taken = await register(api);
    const me = await register(api);
    expectProblem(await send(me.token, { username: taken.username }), 409, 'username_taken');
    expectProblem(await send(me.token, { username: taken.username.toUpperCase() }), 409, 'username_taken');
    expect((await api.get('/api/users/me', { token: me.token })).body.username).toBe(me.username);
  });

  it("409 email_taken for another user's email, in any case", async () => {
    const taken = await register(api);
    const me = await register(api);
    expectProblem(await send(me.token, { email: taken.email }), 409, 'email_taken');
    expectProblem(await send(me.token, { email: taken.email.toUpperCase() }), 409, 'email_taken');
    const res = await send(me.token, { email: taken.email.toUpperCase(), full_name: 'Should not stick' });
    expectProblem(res, 409, 'email_taken');
    const after = await api.get('/api/users/me', { token: me.token });
    expect(after.body).toMatchObject({ email: me.email, full_name: me.user.full_name });
  });

  it('400 with the field named for invalid values', async () => {
    const me = await register(api);
    const cases: Array<[unknown, string]> = [
      [{ username: 'ab' }, 'username'],
      [{ username: 'has space' }, 'username'],
      [{ username: 'x'.repeat(33) }, 'username'],
      [{ username: 'semi;colon' }, 'username'],
      [{ email: 'not-an-email' }, 'email'],
      [{ full_name: 'n'.repeat(101) }, 'full_name'],
      [{ bio: 'b'.repeat(501) }, 'bio'],
      [{ password: 'short', current_password: me.password }, 'password'],
      [{ full_name: { first: 'A' } }, 'full_name'],
      // JSON bodies are not type-coerced: a number is not a string.
      [{ full_name: 42 }, 'full_name'],
      [{ bio: true }, 'bio'],
      [{ email: ['a@example.com', 'b@example.com'] }, 'email'],
    ];
    for (const [body, field] of cases) {
      const res = await send(me.token, body);
      expectProblem(res, 400, 'validation_failed');
      expect(
        res.body.errors.map((e: { field: string }) => e.field),
        JSON.stringify(body),
      ).toContain(field);
    }
    const broken = await api.request(method, '/api/users/me', { token: me.token, raw: '{"bio":', headers: { 'content-type': 'application/json' } });
    expectProblem(broken, 400, 'invalid_json');
    for (const raw of ['[]', '"bio"', 'null']) {
      const res = await api.request(method, '/api/users/me', { token: me.token, raw, headers: { 'content-type': 'application/json' } });
      expectProblem(res, 400, 'validation_failed');
    }
    expect((await api.get('/api/users/me', { token: me.token })).body).toMatchObject({ username: me.username, email: me.email, bio: null });
  });

  it('409 for a username that differs only by Unicode width (NFKC)', async () => {
    // Letters only (fullwidth digits would fold too, but keep it readable): a unique number in base 16, 0-f as a-p.
    seq += 1;
    const tag = (Date.now() * 100 + seq).toString(16).replace(/[0-9a-f]/g, (c) => String.fromCharCode(97 + parseInt(c, 16)));
    const ascii = await register(api, { username: `wide${tag}` });
    const me = await register(api);
    const fullwidth = `ｗｉｄｅ${tag}`;
    expect(fullwidth.normalize('NFKC')).toBe(ascii.username);
    expectProblem(await send(me.token, { username: fullwidth }), 409, 'username_taken');
    expectProblem(await send(me.token, { username: fullwidth.toUpperCase() }), 409, 'username_taken');
  });

  it('ignores unknown fields, and cannot be used to change my role', async () => {
    const me = await register(api);
    const res = await send(me.token, { role: 'admin', is_online: true, id: 'other', created_at: '2000-01-01T00:00:00.000Z', bio: 'still me' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: me.user.id, role: 'user', bio: 'still me', created_at: me.user.created_at });
    expect((await api.get('/api/users/me', { token: me.token })).body.role).toBe('user');
    expectProblem(await api.get('/api/users/statistics', { token: me.token }), 403, 'admin_required');
  });

  it('a new password needs current_password', async () => {
    const me = await register(api);
    const res = await send(me.token, { password: 'brand new password' });
    expectProblem(res, 400, 'current_password_required');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'current_password' })]);
    expect(await loginStatus(me.email, me.password)).toBe(200);
    expect(await loginStatus(me.email, 'brand new password')).toBe(401);
  });

  it('a wrong current_password is 400 incorrect_password and changes nothing', async () => {
    const me = await register(api);
    expectProblem(await send(me.token, { password: 'brand new password', current_password: 'wrong password!' }), 400, 'incorrect_password');
    expectProblem(await send(me.token, { password: 'brand new password', current_password: 'wrong password!', bio: 'x' }), 400, 'incorrect_password');
    expect((await api.get('/api/users/me', { token: me.token })).body.bio).toBeNull();
    expect(await loginStatus(me.email, me.password)).toBe(200);
  });

  it('changing the password ends my other sessions but keeps this one', async () => {
    const me = await register(api);
    const other = await login(api, me.email, me.password);
    const third = await login(api, me.username, me.password);
    expect((await api.get('/api/users/me', { token: other.token })).status).toBe(200);

    const res = await send(me.token, { password: 'a whole new secret', current_password: me.password });
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(me.user.id);

    expect((await api.get('/api/users/me', { token: me.token })).status).toBe(200);
    expect((await api.get('/api/users/me', { headers: { 'x-session-id': me.sessionToken } })).status).toBe(200);
    for (const session of [other, third]) {
      const stale = await api.get('/api/users/me', { token: session.token });
      expect(stale.status).toBe(401);
      expect((await api.post('/api/auth/refresh', { body: { refresh_token: session.refresh } })).status).toBe(401);
    }
    expect(await loginStatus(me.email, me.password)).toBe(401);
    expect(await loginStatus(me.email, 'a whole new secret')).toBe(200);
  });

  it('a current_password without a new password changes nothing and ends no session', async () => {
    const me = await register(api);
    const other = await login(api, me.email, me.password);
    const res = await send(me.token, { current_password: 'whatever it is', bio: 'bio only' });
    expect(res.status).toBe(200);
    expect(res.body.bio).toBe('bio only');
    expect((await api.get('/api/users/me', { token: other.token })).status).toBe(200);
  });
});

describe('DELETE /api/users/me', () => {
  it('needs a token', async () => {
    expectProblem(await api.delete('/api/users/me'), 401, 'not_authenticated');
  });

  it('a wrong password is 400 incorrect_password and the account stays', async () => {
    const me = await register(api);
    expectProblem(await api.delete('/api/users/me', { token: me.token, body: { password: 'not my password' } }), 400, 'incorrect_password');
    expect((await api.get('/api/users/me', { token: me.token })).status).toBe(200);
    expect(await loginStatus(me.email, me.password)).toBe(200);
  });

  it('deletes the account: sessions end, login fails, the profile is gone', async () => {
    const me = await register(api);
    const second = await login(api, me.email, me.password);
    const other = await register(api);

    const res = await api.delete('/api/users/me', { token: me.token, body: { password: me.password } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'deleted' });

    for (const token of [me.token, second.token]) {
      expect((await api.get('/api/users/me', { token })).status).toBe(401);
    }
    expect((await api.get('/api/users/me', { headers: { 'x-session-id': me.sessionToken } })).status).toBe(401);
    expect((await api.post('/api/auth/refresh', { body: { refresh_token: me.refresh } })).status).toBe(401);
    expect((await api.post('/api/auth/refresh', { body: { refresh_token: second.refresh } })).status).toBe(401);
    expectProblem(await api.post('/api/auth/login', { body: { email: me.email, password: me.password } }), 401, 'invalid_credentials');
    expectProblem(await api.post('/api/auth/login', { body: { username: me.username, password: me.password } }), 401, 'invalid_credentials');
    // A deleted account cannot be deleted again with its dead token.
    expect((await api.delete('/api/users/me', { token: me.token })).status).toBe(401);

    expectProblem(await api.get(`/api/users/${me.user.id}`, { token: other.token }), 404, 'user_not_found');
    expectProblem(await api.get(`/api/users/${me.user.id}/status`, { token: other.token }), 404, 'user_not_found');
    expect((await api.get(`/api/users/search?query=${me.username}`, { token: other.token })).body).toEqual([]);
  });

  it('works without a body (no password check)', async () => {
    const me = await register(api);
    const res = await api.delete('/api/users/me', { token: me.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'deleted' });
    expect((await api.get('/api/users/me', { token: me.token })).status).toBe(401);
  });

  it('frees the username and email for a new registration, in any case', async () => {
    const me = await register(api);
    await api.delete('/api/users/me', { token: me.token });
    const again = await api.post('/api/auth/register', {
      body: { username: me.username.toUpperCase(), email: me.email.toUpperCase(), password: 'another password' },
    });
    expect(again.status).toBe(201);
    expect(again.body.user.id).not.toBe(me.user.id);
    // And the freed name can be changed to by an existing user too.
    const gone = await register(api);
    await api.delete('/api/users/me', { token: gone.token });
    const taker = await register(api);
    const res = await api.put('/api/users/me', { token: taker.token, body: { username: gone.username, email: gone.email } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ username: gone.username, email: gone.email });
  });

  it('several deleted accounts never collide with each other', async () => {
    for (let i = 0; i < 3; i += 1) {
      const u = await register(api);
      expect((await api.delete('/api/users/me', { token: u.token })).status).toBe(200);
    }
    // A real user may even be called "deleted".
    const named = await api.post('/api/auth/register', { body: newUserFields({ username: 'deleted' }) });
    expect(named.status).toBe(201);
  });

  it('removes my profile image file', async () => {
    const me = await register(api);
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#123456' } })
      .png()
      .toBuffer();
    const upload = await api.post('/api/users/me/profile-image', { token: me.token, form: fileForm(png) });
    expect(upload.status).toBe(200);
    expect((await download(server.url, upload.body.profile_image)).status).toBe(200);
    expect((await api.delete('/api/users/me', { token: me.token })).status).toBe(200);
    expect((await download(server.url, upload.body.profile_image)).status).toBe(404);
  });
});
