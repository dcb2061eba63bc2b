import { expect } from 'vitest';
import type { Api, Registered, Reply, RequestOptions } from '../../support/client.js';
import { expectProblem } from '../../support/expect.js';

/** The three credentials one login hands out. */
export interface Credentials {
  token: string;
  refresh: string;
  sessionToken: string;
}

/** Request options that authenticate with an isht session token. */
export function viaSession(sessionToken: string, extra: RequestOptions = {}): RequestOptions {
  return { ...extra, headers: { ...(extra.headers ?? {}), 'x-session-id': sessionToken } };
}

/** Logs in over HTTP and expects 200; returns the credentials of the new session. */
export async function login(api: Api, body: Record<string, string>, headers: Record<string, string> = {}): Promise<Credentials & { reply: Reply }> {
  const reply = await api.post('/api/auth/login', { body, headers });
  expect(reply.status, reply.text).toBe(200);
  return { token: reply.body.access_token, refresh: reply.body.refresh_token, sessionToken: reply.body.session_id, reply };
}

/** Logs a registered user in once more (a second device). */
export function loginAgain(api: Api, user: Registered, headers: Record<string, string> = {}) {
  return login(api, { email: user.email, password: user.password }, headers);
}

/** Expects the access token and the session token of a session to work. */
export async function expectSignedIn(api: Api, creds: Pick<Credentials, 'token' | 'sessionToken'>): Promise<void> {
  const byToken = await api.get('/api/auth/validate', { token: creds.token });
  expect(byToken.status, byToken.text).toBe(200);
  const bySession = await api.get('/api/auth/validate', viaSession(creds.sessionToken));
  expect(bySession.status, bySession.text).toBe(200);
}

/** Expects every credential of an ended session to get 401 at once. */
export async function expectSignedOut(api: Api, creds: Credentials): Promise<void> {
  expectProblem(await api.get('/api/auth/validate', { token: creds.token }), 401, 'session_revoked');
  expectProblem(await api.get('/api/users/me', { token: creds.token }), 401, 'session_revoked');
  expectProblem(await api.get('/api/auth/validate', viaSession(creds.sessionToken)), 401, 'session_revoked');
  expectProblem(await api.post('/api/auth/refresh', { body: { refresh_token: creds.refresh } }), 401, 'session_revoked');
}

/** The credentials of a `register()` result. */
export function credsOf(user: Registered): Credentials {
  return { token: user.token, refresh: user.refresh, sessionToken: user.sessionToken };
}
