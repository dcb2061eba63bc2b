import { LocalStorageTokenStore, MajlisClient, MajlisError, type StorageLike } from 'majlis-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, NodeWebSocket, newUser, PASSWORD, person, startServer, type TestServer } from './helpers.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

/** Expects `promise` to reject with a MajlisError of this status and code. */
async function rejects(promise: Promise<unknown>, status: number, code: string): Promise<MajlisError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MajlisError);
  expect(error).toMatchObject({ status, code });
  return error as MajlisError;
}

describe('auth', () => {
  it('register stores the tokens; validate and me use them', async () => {
    const c = client(server);
    expect(c.isLoggedIn).toBe(false);
    const fields = newUser();
    const res = await c.auth.register(fields);
    expect(res.token_type).toBe('bearer');
    expect(res.user.username).toBe(fields.username);
    expect(c.isLoggedIn).toBe(true);
    expect(c.session.tokens).toEqual({ access_token: res.access_token, refresh_token: res.refresh_token, session_id: res.session_id });
    const valid = await c.auth.validate();
    expect(valid.valid).toBe(true);
    expect(valid.user.id).toBe(res.user.id);
    expect(valid.session.current).toBe(true);
  });

  it('login by email, username or identifier', async () => {
    const p = await person(server);
    for (const body of [{ email: p.email }, { username: p.username }, { identifier: p.username }]) {
      const c = client(server);
      const res = await c.auth.login({ ...body, password: PASSWORD });
      expect(res.user.id).toBe(p.user.id);
      expect((await c.users.me()).id).toBe(p.user.id);
    }
  });

  it('refresh rotates the pair', async () => {
    const p = await person(server);
    const before = p.client.session.tokens!;
    const res = await p.client.auth.refresh();
    expect(res.refresh_token).not.toBe(before.refresh_token);
    expect(p.client.session.tokens?.refresh_token).toBe(res.refresh_token);
    // The session token of register is kept across refreshes.
    expect(p.client.session.tokens?.session_id).toBe(before.session_id);
    expect((await p.client.users.me()).id).toBe(p.user.id);
  });

  it('sessions, revokeSession, logout and logoutAll', async () => {
    const p = await person(server);
    const second = client(server);
    await second.auth.login({ email: p.email, password: PASSWORD });
    const third = client(server);
    await third.auth.login({ email: p.email, password: PASSWORD });

    const sessions = await p.client.auth.sessions();
    expect(sessions).toHaveLength(3);
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    const secondId = (await second.auth.validate()).session.id;
    expect(await p.client.auth.revokeSession(secondId)).toEqual({ status: 'revoked' });
    // The revoked session's next call fails and the SDK forgets its tokens.
    const loggedOut: string[] = [];
    second.on('logged_out', (e) => loggedOut.push(e.reason));
    await rejects(second.users.me(), 401, 'session_revoked');
    expect(loggedOut).toEqual(['session_revoked']);
    expect(second.isLoggedIn).toBe(false);

    expect(await third.auth.logout()).toEqual({ status: 'logged_out' });
    expect(third.isLoggedIn).toBe(false);
    expect(await p.client.auth.sessions()).toHaveLength(1);

    const all = await p.client.auth.logoutAll();
    expect(all).toEqual({ status: 'logged_out', revoked_sessions: 1 });
    expect(p.client.isLoggedIn).toBe(false);
    await rejects(p.client.users.me(), 401, 'not_authenticated');
  });

  it('changePassword keeps this session and ends the others', async () => {
    const p = await person(server);
    const other = client(server);
    await other.auth.login({ email: p.email, password: PASSWORD });
    const res = await p.client.auth.changePassword({ old_password: PASSWORD, new_password: 'a brand new passphrase' });
    expect(res).toEqual({ status: 'password_changed', revoked_sessions: 1 });
    expect((await p.client.users.me()).id).toBe(p.user.id);
    await rejects(other.users.me(), 401, 'session_revoked');
    await rejects(client(server).auth.login({ email: p.email, password: PASSWORD }), 401, 'invalid_credentials');
    await client(server).auth.login({ email: p.email, password: 'a brand new passphrase' });
  });

  it('a LocalStorageTokenStore keeps the tokens for the next client (a page reload)', async () => {
    const data = new Map<string, string>();
    const storage: StorageLike = {
      getItem: (k) => data.get(k) ?? null,
      setItem: (k, v) => void data.set(k, v),
      removeItem: (k) => void data.delete(k),
    };
    const first = new MajlisClient({ baseUrl: server.url, tokenStore: new LocalStorageTokenStore('t', storage) });
    const reg = await first.auth.register(newUser());
    expect(JSON.parse(data.get('t') ?? '{}').access_token).toBe(reg.access_token);
    const reloaded = new MajlisClient({ baseUrl: server.url, tokenStore: new LocalStorageTokenStore('t', storage), WebSocket: NodeWebSocket });
    expect((await reloaded.users.me()).id).toBe(reg.user.id);
    await reloaded.auth.logout();
    expect(data.has('t')).toBe(false);
    expect(() => new LocalStorageTokenStore()).toThrow(TypeError);
  });
});

describe('errors are MajlisError with the problem fields', () => {
  it('400 validation_failed with errors per field', async () => {
    const error = await rejects(client(server).auth.register({ username: 'x', email: 'not an email', password: 'short' }), 400, 'validation_failed');
    expect(error.errors?.length).toBeGreaterThan(0);
    expect(error.errors?.[0]).toEqual({ field: expect.any(String), message: expect.any(String) });
    expect(error.detail).toMatch(/not valid/);
    expect(error.type).toBe('urn:majlis:error:validation_failed');
    expect(error.title).toBe('Validation failed');
  });

  it('401 invalid_credentials, the same for an unknown user', async () => {
    const p = await person(server);
    const wrong = await rejects(client(server).auth.login({ email: p.email, password: 'wrong password' }), 401, 'invalid_credentials');
    expect(wrong.detail).toBe('Invalid email or password');
    await rejects(client(server).auth.login({ email: 'nobody@example.com', password: 'wrong password' }), 401, 'invalid_credentials');
    await rejects(client(server).users.me(), 401, 'not_authenticated');
  });

  it('403 not_a_member and admin_required', async () => {
    const [a, b] = [await person(server), await person(server)];
    const { chat_id } = await a.client.chats.createGroup({ name: 'Private' });
    await rejects(b.client.chats.get(chat_id), 403, 'not_a_member');
    await rejects(b.client.users.admin.statistics(), 403, 'admin_required');
  });

  it('404 user_not_found and chat_not_found', async () => {
    const a = await person(server);
    const unknown = '01936d3c-7b1a-7c3e-9d52-3f6a1b2c4d5e';
    await rejects(a.client.users.get(unknown), 404, 'user_not_found');
    await rejects(a.client.chats.get(unknown), 404, 'chat_not_found');
  });

  it('409 email_taken and username_taken', async () => {
    const a = await person(server);
    await rejects(client(server).auth.register(newUser({ email: a.email })), 409, 'email_taken');
    await rejects(client(server).auth.register(newUser({ username: a.username })), 409, 'username_taken');
  });

  it('detail follows Accept-Language', async () => {
    const fa = new MajlisClient({ baseUrl: server.url, headers: { 'Accept-Language': 'fa' } });
    const error = await rejects(fa.auth.login({ email: 'nobody@example.com', password: 'wrong password' }), 401, 'invalid_credentials');
    expect(error.detail).toBe('ایمیل یا رمز عبور نادرست است');
  });

  it('a server that cannot be reached is network_error (status 0)', async () => {
    const nowhere = new MajlisClient({ baseUrl: 'http://127.0.0.1:9' });
    await rejects(nowhere.auth.login({ email: 'a@example.com', password: 'whatever1' }), 0, 'network_error');
  });
});
