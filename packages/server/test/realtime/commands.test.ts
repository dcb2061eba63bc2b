import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Api, type Registered } from '../support/client.js';
import { startServer, type TestServer } from '../support/server.js';
import { clientId, closeAll, direct, group, history, live, openWs, say, users, type WsClient } from './helpers.js';

let server: TestServer;
let api: Api;

beforeAll(async () => {
  server = await startServer();
  api = new Api(server.url);
});
afterAll(() => server.close());

const open: WsClient[] = [];
async function connect(user: Registered, path = '/ws'): Promise<WsClient> {
  const client = await live(server, user, path);
  open.push(client);
  return client;
}
afterEach(async () => {
  await closeAll(...open.splice(0));
});

async function pair() {
  const [a, b] = await users(api, 2);
  const chat = await direct(api, a, b);
  return { a, b, chat, sa: await connect(a), sb: await connect(b) };
}

describe('ping', () => {
  it('ping → pong', async () => {
    const { sa } = await pair();
    const from = sa.mark();
    sa.send({ type: 'ping' });
    const pong = await sa.next('pong', () => true, { from });
    expect(pong).toEqual({ type: 'pong' });
  });
});

describe('send', () => {
  it('→ ack {client_id, message}; persisted; the other member gets new_message', async () => {
    const { a, b, chat, sa, sb } = await pair();
    const id = clientId();
    const from = sb.mark();
    sa.send({ type: 'send', chat_id: chat, content: 'over the socket', client_id: id });
    const ack = await sa.next('ack', (f) => f.client_id === id);
    expect(ack.replayed).toBe(false);
    expect(ack.message).toMatchObject({ chat_id: chat, content: 'over the socket', sender_id: a.user.id, client_id: id });
    const got = await sb.next('new_message', (f) => f.message.id === ack.message.id, { from });
    expect(got.message.content).toBe('over the socket');
    const stored = (await history(api, b, chat)).filter((m) => m.id === ack.message.id);
    expect(stored).toHaveLength(1);
    expect(stored[0].content).toBe('over the socket');
  });

  it('the same send frame twice: one message, the second ack replayed:true', async () => {
    const { a, chat, sa, sb } = await pair();
    const id = clientId();
    const frame = { type: 'send', chat_id: chat, content: 'exactly once', client_id: id };
    const from = sa.mark();
    const fromB = sb.mark();
    sa.send(frame);
    sa.send(frame);
    const acks = await sa.count((f) => f.type === 'ack' && f.client_id === id, 2, { from });
    expect(acks.map((f) => f.replayed)).toEqual([false, true]);
    expect(acks[1]?.message.id).toBe(acks[0]?.message.id);
    const stored = (await history(api, a, chat)).filter((m) => m.content === 'exactly once');
    expect(stored).toHaveLength(1);
    await sb.sync();
    expect(sb.all((f) => f.type === 'new_message' && f.message.client_id === id, fromB)).toHaveLength(1);
  });

  it('a repeat after reconnecting is still answered with the original', async () => {
    const { a, chat, sa } = await pair();
    const id = clientId();
    sa.send({ type: 'send', chat_id: chat, content: 'before the drop', client_id: id });
    const first = await sa.next('ack', (f) => f.client_id === id);
    const again = await connect(a);
    again.send({ type: 'send', chat_id: chat, content: 'before the drop', client_id: id });
    const second = await again.next('ack', (f) => f.client_id === id);
    expect(second).toMatchObject({ replayed: true, message: { id: first.message.id } });
    expect((await history(api, a, chat)).filter((m) => m.client_id === id)).toHaveLength(1);
  });

  it('a chat I am not in → error {client_id, code: not_a_member}', async () => {
    const { sa } = await pair();
    const [x, y] = await users(api, 2);
    const theirs = await direct(api, x, y);
    const id = clientId();
    sa.send({ type: 'send', chat_id: theirs, content: 'intruding', client_id: id });
    const error = await sa.next('error', (f) => f.client_id === id);
    expect(error).toMatchObject({ client_id: id, code: 'not_a_member', status: 403 });
    expect(typeof error.detail).toBe('string');
    expect((await history(api, x, theirs)).filter((m) => m.content === 'intruding')).toEqual([]);
  });

  it('missing or blank content → error {client_id, code: validation_failed}', async () => {
    const { chat, sa } = await pair();
    for (const content of [undefined, '', 'x'.repeat(10_001)]) {
      const id = clientId();
      sa.send({ type: 'send', chat_id: chat, client_id: id, ...(content === undefined ? {} : { content }) });
      const error = await sa.next('error', (f) => f.client_id === id);
      expect(error).toMatchObject({ code: 'validation_failed', status: 400 });
      expect(error.errors.map((e: { field: string }) => e.field)).toContain('content');
    }
  });

  it('missing chat_id on /ws → validation_failed; missing client_id → validation_failed', async () => {
    const { chat, sa } = await pair();
    const id = clientId();
    sa.send({ type: 'send', content: 'where to?', client_id: id });
    const error = await sa.next('error', (f) => f.client_id === id);
    expect(error.code).toBe('validation_failed');
    const from = sa.mark();
    sa.send({ type: 'send', chat_id: chat, content: 'who am I?' });
    const noId = await sa.next('error', () => true, { from });
    expect(noId.code).toBe('validation_failed');
    expect(noId.errors.map((e: { field: string }) => e.field)).toContain('client_id');
  });

  it('reply_to is kept', async () => {
    const { a, b, chat, sa } = await pair();
    const original = await say(api, b, chat, 'question');
    const id = clientId();
    sa.send({ type: 'send', chat_id: chat, content: 'answer', client_id: id, reply_to: original.id });
    const ack = await sa.next('ack', (f) => f.client_id === id);
    const stored = (await history(api, a, chat)).find((m) => m.id === ack.message.id);
    expect(stored.reply_to).toBe(original.id);
  });
});

describe('typing', () => {
  it('is relayed to the other members, not the typer, and expires to is_typing:false', async () => {
    const [a, b, c, x] = (await users(api, 4));
    const chat = await group(api, a, [b, c]);
    await direct(api, x, a);
    const [sa, sb, sc, sx] = [await connect(a), await connect(b), await connect(c), await connect(x)];
    const marks = [sa.mark(), sb.mark(), sc.mark(), sx.mark()];
    sa.send({ type: 'typing', chat_id: chat, is_typing: true });
    for (const [s, from] of [
      [sb, marks[1]],
      [sc, marks[2]],
    ] as const) {
      const f = await s.next('typing', () => true, { from });
      expect(f).toEqual({ type: 'typing', chat_id: chat, user_id: a.user.id, is_typing: true });
      expect(f.cursor).toBeUndefined();
    }
    // ~5 s without a refresh: is_typing:false (wait up to 8 s)
    for (const [s, from] of [
      [sb, marks[1]],
      [sc, marks[2]],
    ] as const) {
      await s.next('typing', (f) => f.is_typing === false && f.user_id === a.user.id, { from, timeout: 8_000 });
    }
    await sa.sync();
    await sx.sync();
    expect(sa.ofType('typing', marks[0])).toEqual([]);
    expect(sx.ofType('typing', marks[3])).toEqual([]);
  }, 15_000);

  it('is_typing:false is relayed at once', async () => {
    const { a, chat, sa, sb } = await pair();
    const from = sb.mark();
    sa.send({ type: 'typing', chat_id: chat, is_typing: true });
    await sb.next('typing', (f) => f.is_typing === true, { from });
    sa.send({ type: 'typing', chat_id: chat, is_typing: false });
    const stop = await sb.next('typing', (f) => f.is_typing === false, { from, timeout: 2_000 });
    expect(stop.user_id).toBe(a.user.id);
  });

  it('my last socket closing stops my typing', async () => {
    const { a, chat, sa, sb } = await pair();
    const from = sb.mark();
    sa.send({ type: 'typing', chat_id: chat, is_typing: true });
    await sb.next('typing', (f) => f.is_typing === true, { from });
    sa.close();
    const stop = await sb.next('typing', (f) => f.is_typing === false, { from, timeout: 2_000 });
    expect(stop.user_id).toBe(a.user.id);
  });

  it('in a chat I am not in → error not_a_member', async () => {
    const { sa } = await pair();
    const [x, y] = await users(api, 2);
    const theirs = await direct(api, x, y);
    const from = sa.mark();
    sa.send({ type: 'typing', chat_id: theirs, is_typing: true });
    expect((await sa.next('error', () => true, { from })).code).toBe('not_a_member');
  });
});

describe('bad frames', () => {
  it('invalid JSON → error invalid_json, the connection stays open', async () => {
    const { sa } = await pair();
    for (const text of ['{not json', '"a string"', '[1,2]', '{"no":"type"}', 'null']) {
      const from = sa.mark();
      sa.send(text);
      const error = await sa.next('error', () => true, { from });
      expect(error.code).toBe('invalid_json');
    }
    await sa.sync();
    expect(sa.closed).toBeNull();
  });

  it('a binary frame → error, the connection stays open', async () => {
    const { sa } = await pair();
    const from = sa.mark();
    sa.ws.send(Buffer.from(JSON.stringify({ type: 'ping' })), { binary: true });
    const error = await sa.next('error', () => true, { from });
    expect(error.code).toBe('invalid_json');
    await sa.sync();
    expect(sa.closed).toBeNull();
  });

  it('an unknown type → error', async () => {
    const { sa } = await pair();
    const from = sa.mark();
    sa.send({ type: 'teleport' });
    const error = await sa.next('error', () => true, { from });
    expect(error.code).toBe('bad_request');
    expect(typeof error.detail).toBe('string');
    await sa.sync();
  });

  it('read without message_id, resume with a bad cursor → validation_failed', async () => {
    const { chat, sa } = await pair();
    let from = sa.mark();
    sa.send({ type: 'read', chat_id: chat });
    expect((await sa.next('error', () => true, { from })).code).toBe('validation_failed');
    from = sa.mark();
    sa.send({ type: 'resume', cursor: 'yesterday' });
    expect((await sa.next('error', () => true, { from })).code).toBe('validation_failed');
    from = sa.mark();
    sa.send({ type: 'read', chat_id: chat, message_id: '01936d3c-7b1a-7c3e-9d52-3f6a1b2c4d5e' });
    expect((await sa.next('error', () => true, { from })).code).toBe('message_not_found');
    await sa.sync();
  });

  it('error details follow Accept-Language', async () => {
    const [a] = await users(api, 1);
    const ar = await openWs(server, '/ws', { token: a.token, headers: { 'accept-language': 'ar' } });
    open.push(ar);
    await ar.sync();
    const en = await connect(a);
    ar.send({ type: 'teleport' });
    en.send({ type: 'teleport' });
    const [arError, enError] = [await ar.next('error'), await en.next('error')];
    expect(arError.code).toBe(enError.code);
    expect(arError.detail).not.toBe(enError.detail);
  });
});
