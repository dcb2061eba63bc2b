import { MajlisError } from 'majlis-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { client, connect, people, person, startServer, type TestServer, waitFor } from './helpers.js';

const HOUR = 3_600_000;

let server: TestServer;

beforeEach(async () => {
  server = await startServer();
});
afterEach(() => server.close());

describe('automatic refresh', () => {
  it('an expired access token is refreshed once and the call succeeds', async () => {
    const p = await person(server);
    const before = p.client.session.tokens!;
    server.clock.advance(25 * HOUR);
    const me = await p.client.users.me();
    expect(me.id).toBe(p.user.id);
    expect(p.client.session.refreshCount).toBe(1);
    expect(p.client.session.tokens?.access_token).not.toBe(before.access_token);
    expect(p.client.session.tokens?.refresh_token).not.toBe(before.refresh_token);
  });

  it('concurrent calls that all meet the expired token share one refresh', async () => {
    const [a, b] = await people(server, 2);
    const { chat_id } = await a.client.chats.openDirect({ user_id: b.user.id });
    server.clock.advance(25 * HOUR);
    const results = await Promise.all([
      a.client.users.me(),
      a.client.chats.list(),
      a.client.chats.get(chat_id),
      a.client.messages.send(chat_id, 'after expiry'),
      a.client.auth.sessions(),
      a.client.messages.list(chat_id),
    ]);
    expect(results).toHaveLength(6);
    expect(a.client.session.refreshCount).toBe(1);
    // A second refresh with the same (rotated) refresh token would have ended the session.
    expect((await a.client.auth.sessions()).length).toBe(1);
    expect((await a.client.messages.list(chat_id)).messages.map((m) => m.content)).toEqual(['after expiry']);
  });

  it('a refresh the server refuses logs out: logged_out, tokens gone, the error thrown', async () => {
    const p = await person(server);
    const events: Array<{ reason: string; code?: string | undefined }> = [];
    p.client.on('logged_out', (e) => events.push({ reason: e.reason, code: e.error?.code }));
    server.clock.advance(31 * 24 * HOUR); // past the refresh token's 30 days too
    const error = await p.client.users.me().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MajlisError);
    expect(error).toMatchObject({ status: 401, code: 'invalid_token' });
    expect(events).toEqual([{ reason: 'refresh_failed', code: expect.stringMatching(/invalid_refresh_token|session_revoked/) }]);
    expect(p.client.isLoggedIn).toBe(false);
  });

  it('realtime: an expired token at connect (4401) is refreshed, then the connection opens', async () => {
    const p = await person(server);
    server.clock.advance(25 * HOUR);
    const closes: number[] = [];
    const rt = p.client.realtime({ cursor: '0' });
    rt.on('close', (e) => closes.push(e.code));
    const opened = new Promise((resolve) => rt.once('open', resolve));
    rt.connect();
    await opened;
    expect(closes).toEqual([4401]);
    expect(p.client.session.refreshCount).toBe(1);
    expect(rt.state).toBe('open');
    rt.close();
  });

  it('realtime: 4401 because the session was ended elsewhere stops reconnecting and logs out', async () => {
    const p = await person(server);
    const rt = await connect(p);
    const stopped = new Promise<{ reason: string }>((resolve) => rt.once('stopped', resolve));
    const loggedOut = new Promise<{ reason: string }>((resolve) => p.client.on('logged_out', resolve));
    await rt.send((await p.client.chats.createGroup({ name: 'x' })).chat_id, 'hi');
    // Another device of the same user ends every session.
    const second = client(server);
    await second.auth.login({ email: p.email, password: p.password });
    await second.auth.logoutAll();
    expect(await stopped).toEqual({ reason: 'logged_out' });
    expect((await loggedOut).reason).toBe('refresh_failed');
    expect(rt.state).toBe('stopped');
    const connects = rt.connectCount;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(rt.connectCount).toBe(connects);
    await waitFor(() => !p.client.isLoggedIn, 'tokens cleared');
  });
});
