import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type Registered } from '../support/client.js';
import { startServer, type TestServer } from '../support/server.js';
import { closeAll, direct, live, ok, openIo, openWs, SseClient, until, users } from './helpers.js';

let server: TestServer;
let api: Api;

beforeAll(async () => {
  server = await startServer();
  api = new Api(server.url);
});
afterAll(() => server.close());

async function status(viewer: Registered, of: Registered): Promise<{ user_id: string; is_online: boolean; last_seen: string | null }> {
  return ok(await api.get(`/api/users/${of.user.id}/status`, { token: viewer.token })).body;
}

describe('GET /api/users/{id}/status follows the sockets', () => {
  it('online while a socket is open, offline after the last one closes, last_seen set then', async () => {
    const [viewer, them] = (await users(api, 2));
    const v = viewer;
    const t = them;
    expect(await status(v, t)).toEqual({ user_id: t.user.id, is_online: false, last_seen: null });

    const one = await live(server, t);
    const two = await live(server, t, '/ws/global');
    expect((await status(v, t)).is_online).toBe(true);

    await closeAll(one);
    await until(() => server.hub.connectionsOf(t.user.id).size === 1, 'the server to drop the first socket');
    expect(await status(v, t)).toEqual({ user_id: t.user.id, is_online: true, last_seen: null });

    await closeAll(two);
    await until(async () => (await status(v, t)).is_online === false, 'offline after the last close');
    const after = await status(v, t);
    expect(after.last_seen).toBe(new Date(server.clock.now()).toISOString());
  });

  it('a Socket.io connection counts too', async () => {
    const [viewer, them] = (await users(api, 2));
    const io = await openIo(server, { auth: { token: them.token } });
    await until(async () => (await status(viewer, them)).is_online, 'online over socket.io');
    io.close();
    await until(async () => !(await status(viewer, them)).is_online, 'offline after socket.io disconnect');
  });
});

describe('presence frames', () => {
  it('reach a contact’s socket on connect and on the last disconnect, and no one else', async () => {
    const [watcher, them, stranger] = (await users(api, 3));
    await direct(api, watcher, them);
    const w = await live(server, watcher);
    const s = await live(server, stranger);
    const [fw, fs] = [w.mark(), s.mark()];

    const theirs = await live(server, them);
    const on = await w.next('presence', (f) => f.user_id === them.user.id, { from: fw });
    expect(on).toEqual({ type: 'presence', user_id: them.user.id, is_online: true, last_seen: null });

    const second = await live(server, them);
    await closeAll(second);
    await w.sync();
    expect(w.all((f) => f.type === 'presence' && f.user_id === them.user.id, fw)).toHaveLength(1);

    await closeAll(theirs);
    const off = await w.next('presence', (f) => f.user_id === them.user.id && f.is_online === false, { from: fw });
    expect(off.last_seen).toBe(new Date(server.clock.now()).toISOString());
    expect(off.cursor).toBeUndefined();

    await s.sync();
    expect(s.ofType('presence', fs)).toEqual([]);
    await closeAll(w, s);
  });
});

describe('connections that drop at once', () => {
  it('leave nothing behind: no connection in the hub, the user offline', async () => {
    const [me, contact] = await users(api, 2);
    await direct(api, contact, me);
    for (let i = 0; i < 20; i += 1) {
      const sse = await SseClient.open(`${server.url}/api/events?token=${encodeURIComponent(me.token)}`);
      sse.close();
      const io = await openIo(server, { auth: { token: me.token } });
      io.close();
      const ws = await openWs(server, '/ws', { token: me.token });
      ws.terminate();
    }
    await until(() => server.hub.connectionsOf(me.user.id).size === 0, 'every connection to be dropped', 10_000);
    await until(async () => !(await status(contact, me)).is_online, 'the user to be offline');
    // and a real connection afterwards counts normally
    const again = await live(server, me);
    expect((await status(contact, me)).is_online).toBe(true);
    await closeAll(again);
    await until(async () => !(await status(contact, me)).is_online, 'offline again');
  });
});
