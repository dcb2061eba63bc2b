import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import { expect } from 'vitest';
import { WebSocket } from 'ws';
import { type Api, register, type Registered, type Reply } from '../support/client.js';
import type { TestServer } from '../support/server.js';

/** How long a test waits for a frame it expects before failing (never an assertion on speed). */
export const WAIT_MS = 5_000;

/** A server frame as the client parsed it. */
export type Frame = Record<string, any> & { type: string };

export interface Closed {
  code: number;
  reason: string;
}

/** The ws:// address of a server path. */
export function wsUrl(server: TestServer, path: string): string {
  return server.url.replace(/^http/, 'ws') + path;
}

function describeFrames(frames: readonly Frame[]): string {
  const tail = frames.slice(-8).map((f) => JSON.stringify(f).slice(0, 200));
  return `${frames.length} frames so far${tail.length ? `; last: ${tail.join(' | ')}` : ''}`;
}

/**
 * Something that collects server frames and lets a test wait for one. `mark()` remembers the
 * current position, so a test can wait only for frames that arrive after it.
 */
export class Collector {
  readonly frames: Frame[] = [];
  closed: Closed | null = null;
  private readonly listeners = new Set<() => void>();

  push(frame: Frame): void {
    this.frames.push(frame);
    this.notify();
  }

  end(closed: Closed): void {
    this.closed ??= closed;
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) {
      listener();
    }
  }

  mark(): number {
    return this.frames.length;
  }

  /** Frames (from `from` on) that match. */
  all(pred: (f: Frame) => boolean, from = 0): Frame[] {
    return this.frames.slice(from).filter(pred);
  }

  ofType(type: string, from = 0): Frame[] {
    return this.all((f) => f.type === type, from);
  }

  /** The first frame from index `from` that matches; waits for it up to `timeout` ms. */
  waitFor(pred: (f: Frame) => boolean, opts: { from?: number; timeout?: number; what?: string } = {}): Promise<Frame> {
    const from = opts.from ?? 0;
    const timeout = opts.timeout ?? WAIT_MS;
    return new Promise((resolve, reject) => {
      let scanned = from;
      const check = (): boolean => {
        for (; scanned < this.frames.length; scanned += 1) {
          const frame = this.frames[scanned] as Frame;
          if (pred(frame)) {
            finish();
            resolve(frame);
            return true;
          }
        }
        if (this.closed) {
          finish();
          reject(new Error(`closed (${this.closed.code} ${this.closed.reason}) before ${opts.what ?? 'the frame'} arrived; ${describeFrames(this.frames)}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeout} ms waiting for ${opts.what ?? 'a frame'}; ${describeFrames(this.frames)}`));
      }, timeout);
      const listener = () => {
        check();
      };
      const finish = () => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      this.listeners.add(listener);
      check();
    });
  }

  /** Waits for the first frame of `type` (after `from`) that also matches `pred`. */
  next(type: string, pred: (f: Frame) => boolean = () => true, opts: { from?: number; timeout?: number } = {}): Promise<Frame> {
    return this.waitFor((f) => f.type === type && pred(f), { ...opts, what: `a ${type} frame` });
  }

  /** Waits until `n` frames (after `from`) match. */
  async count(pred: (f: Frame) => boolean, n: number, opts: { from?: number; timeout?: number; what?: string } = {}): Promise<Frame[]> {
    const from = opts.from ?? 0;
    await this.waitFor(() => this.all(pred, from).length >= n, { ...opts, from, what: opts.what ?? `${n} matching frames` }).catch(
      (error: Error) => {
        throw new Error(`${error.message} (have ${this.all(pred, from).length} of ${n})`);
      },
    );
    return this.all(pred, from);
  }

  /** Waits for the close (from the server or the network). */
  waitClose(timeout = WAIT_MS): Promise<Closed> {
    return new Promise((resolve, reject) => {
      if (this.closed) {
        resolve(this.closed);
        return;
      }
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`not closed after ${timeout} ms; ${describeFrames(this.frames)}`));
      }, timeout);
      const listener = () => {
        if (this.closed) {
          clearTimeout(timer);
          this.listeners.delete(listener);
          resolve(this.closed);
        }
      };
      this.listeners.add(listener);
    });
  }
}

/** A real `ws` client that collects every text frame the server sends. */
export class WsClient extends Collector {
  /** Resolves true once open, false if it closed or failed first. */
  readonly opened: Promise<boolean>;
  /** Handshake failure (an HTTP status instead of 101), if any. */
  refusedStatus: number | null = null;

  constructor(readonly ws: WebSocket) {
    super();
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString();
      try {
        this.push(JSON.parse(text) as Frame);
      } catch {
        this.push({ type: '<unparsable>', text });
      }
    });
    this.opened = new Promise((resolve) => {
      ws.once('open', () => resolve(true));
      ws.once('unexpected-response', (_req, res) => {
        this.refusedStatus = res.statusCode ?? 0;
        res.resume();
        this.end({ code: -1, reason: `HTTP ${res.statusCode}` });
        resolve(false);
      });
      ws.once('error', (error) => {
        this.end({ code: -1, reason: error.message });
        resolve(false);
      });
      ws.once('close', () => resolve(false));
    });
    ws.on('close', (code, reason) => this.end({ code, reason: reason.toString() }));
    ws.on('error', () => {});
  }

  /** Sends a frame (an object is JSON-encoded). */
  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
  }

  /**
   * A round trip: ping, then wait for the pong. Every frame the server wrote to this socket
   * before it handled the ping has arrived once this resolves. Also ends the initial hold.
   */
  async sync(timeout = WAIT_MS): Promise<void> {
    const from = this.mark();
    this.send({ type: 'ping' });
    await this.next('pong', () => true, { from, timeout });
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close();
    }
  }

  terminate(): void {
    this.ws.terminate();
  }
}

export interface WsOptions {
  token?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  protocols?: string[];
}

/** Opens a WebSocket to `path` (with ?token= and other query parameters); waits for open or failure. */
export async function openWs(server: TestServer, path: string, opts: WsOptions = {}): Promise<WsClient> {
  const params = new URLSearchParams(opts.query ?? {});
  if (opts.token) {
    params.set('token', opts.token);
  }
  const qs = params.toString();
  const ws = new WebSocket(`${wsUrl(server, path)}${qs ? `?${qs}` : ''}`, opts.protocols ?? [], { headers: opts.headers ?? {} });
  const client = new WsClient(ws);
  await client.opened;
  return client;
}

/** Opens `path` as `user` and waits until the connection is registered and live (a ping round trip). */
export async function live(server: TestServer, user: Registered, path = '/ws'): Promise<WsClient> {
  const client = await openWs(server, path, { token: user.token });
  await client.sync();
  return client;
}

/** Durable frames: those with a cursor. */
export function durable(frames: readonly Frame[]): Frame[] {
  return frames.filter((f) => typeof f.cursor === 'string');
}

/**
 * Event ids follow commit order on both databases (the outbox takes an advisory lock before
 * appending on PostgreSQL), so order is asserted everywhere. Kept as a switch for new engines.
 */
export const CURSOR_ORDER_GUARANTEED = true;

/** Asserts each durable event came once, in cursor order (order: see CURSOR_ORDER_GUARANTEED). */
export function expectCursorOrder(frames: readonly Frame[]): void {
  const cursors = durable(frames).map((f) => Number(f.cursor));
  expect(new Set(cursors).size, 'a cursor came twice').toBe(cursors.length);
  if (CURSOR_ORDER_GUARANTEED) {
    expectIncreasingCursors(frames);
  }
}

/** Asserts the cursors strictly increase (each durable event once, in order). */
export function expectIncreasingCursors(frames: readonly Frame[]): void {
  const cursors = durable(frames).map((f) => Number(f.cursor));
  for (let i = 1; i < cursors.length; i += 1) {
    if (!((cursors[i] as number) > (cursors[i - 1] as number))) {
      throw new Error(`cursor ${cursors[i]} after ${cursors[i - 1]} at ${i} of ${cursors.length}: …${cursors.slice(Math.max(0, i - 5), i + 5).join(',')}…`);
    }
  }
}

/** Closes every client given (ignoring ones already closed) and waits for the closes. */
export async function closeAll(...clients: Array<WsClient | null | undefined>): Promise<void> {
  await Promise.all(
    clients.map(async (c) => {
      if (!c || c.closed) {
        return;
      }
      c.close();
      await c.waitClose().catch(() => c.terminate());
    }),
  );
}

// ---------------------------------------------------------------- REST helpers

/** Expects a status, printing the body otherwise. */
export function ok(reply: Reply, status = 200): Reply {
  expect(reply.status, `${reply.status} ${reply.text.slice(0, 400)}`).toBe(status);
  return reply;
}

/** Registered users, destructurable without undefined checks: `const [a, b] = await users(api, 2)`. */
export type Users = Registered[] & { 0: Registered; 1: Registered; 2: Registered; 3: Registered; 4: Registered };

/** Registers `n` fresh users. */
export async function users(api: Api, n: number): Promise<Users> {
  const out: Registered[] = [];
  for (let i = 0; i < n; i += 1) {
    out.push(await register(api));
  }
  return out as Users;
}

/** Opens (or finds) the direct chat of `a` with `b`. */
export async function direct(api: Api, a: Registered, b: Registered): Promise<string> {
  const res = await api.post(`/api/chats/single?identifier=${encodeURIComponent(b.username)}`, { token: a.token });
  expect([200, 201], res.text).toContain(res.status);
  return res.body.chat_id;
}

/** A group owned by `owner` with `members`. */
export async function group(api: Api, owner: Registered, members: Registered[], name = 'Realtime group'): Promise<string> {
  const res = ok(await api.post('/api/chats/group', { token: owner.token, body: { name, participant_emails: members.map((m) => m.email) } }), 201);
  return res.body.chat_id;
}

/** Sends a text message over REST and returns it. */
export async function say(api: Api, who: Registered, chatId: string, content: string): Promise<any> {
  return ok(await api.post(`/api/chats/${chatId}/messages`, { token: who.token, body: { content } }), 201).body;
}

/** Every message of a chat (up to 200) as `who` sees it, oldest first. */
export async function history(api: Api, who: Registered, chatId: string): Promise<any[]> {
  const res = ok(await api.get(`/api/chats/${chatId}/messages?limit=200`, { token: who.token }));
  const list = res.body.messages as any[];
  return [...list].sort((a, b) => a.seq - b.seq);
}

export async function addMember(api: Api, admin: Registered, chatId: string, who: Registered): Promise<void> {
  ok(await api.post(`/api/chats/${chatId}/participants`, { token: admin.token, body: { emails: [who.email] } }));
}

export async function removeMember(api: Api, admin: Registered, chatId: string, who: Registered): Promise<void> {
  ok(await api.delete(`/api/chats/${chatId}/participants/${who.user.id}`, { token: admin.token }));
}

export const clientId = (): string => randomUUID();

/** Waits until `check` is true (polling), for server-side state that has no event. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeout = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await check()) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

// ---------------------------------------------------------------- SSE

export interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
  /** The parsed JSON of `data`. */
  json?: any;
}

/**
 * A Server-Sent Events stream read with fetch, parsed by hand (id/event/data lines, blank line
 * ends an event; comments and `retry:` are kept out).
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly status: number;
  readonly contentType: string;
  private readonly waiters = new Set<() => void>();
  done = false;

  private constructor(
    private readonly res: Response,
    private readonly abort: AbortController,
  ) {
    this.status = res.status;
    this.contentType = res.headers.get('content-type') ?? '';
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const abort = new AbortController();
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
    const client = new SseClient(res, abort);
    if (res.ok && res.body) {
      void client.pump(res.body);
    } else {
      client.done = true;
    }
    return client;
  }

  async text(): Promise<string> {
    return this.res.text();
  }

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    let current: SseEvent = {};
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let nl = buffer.indexOf('\n');
        while (nl >= 0) {
          const line = buffer.slice(0, nl).replace(/\r$/, '');
          buffer = buffer.slice(nl + 1);
          if (line === '') {
            if (current.data !== undefined || current.event !== undefined) {
              if (current.data !== undefined) {
                current.json = JSON.parse(current.data);
              }
              this.events.push(current);
              this.notify();
            }
            current = {};
          } else if (!line.startsWith(':')) {
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') {
              current.id = value;
            } else if (field === 'event') {
              current.event = value;
            } else if (field === 'data') {
              current.data = current.data === undefined ? value : `${current.data}\n${value}`;
            }
          }
          nl = buffer.indexOf('\n');
        }
      }
    } catch {
      // aborted
    }
    this.done = true;
    this.notify();
  }

  private notify(): void {
    for (const w of [...this.waiters]) {
      w();
    }
  }

  /** Waits until `n` events match. */
  async count(pred: (e: SseEvent) => boolean, n: number, timeout = WAIT_MS): Promise<SseEvent[]> {
    const matching = () => this.events.filter(pred);
    if (matching().length >= n) {
      return matching();
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`SSE: timed out with ${matching().length} of ${n} events (${this.events.length} in all)`));
      }, timeout);
      const check = () => {
        if (matching().length >= n || this.done) {
          clearTimeout(timer);
          this.waiters.delete(check);
          if (matching().length >= n) {
            resolve();
          } else {
            reject(new Error(`SSE stream ended with ${matching().length} of ${n} events`));
          }
        }
      };
      this.waiters.add(check);
    });
    return matching();
  }

  async next(pred: (e: SseEvent) => boolean, timeout = WAIT_MS): Promise<SseEvent> {
    return (await this.count(pred, 1, timeout))[0] as SseEvent;
  }

  close(): void {
    this.abort.abort();
  }
}

// ---------------------------------------------------------------- Socket.io

/** A real socket.io-client socket that collects every event as a frame `{ event, ...payload }`. */
export class IoClient extends Collector {
  connectError: Error | null = null;
  constructor(readonly socket: Socket) {
    super();
    socket.onAny((event: string, payload: unknown) => {
      this.push({ ...(payload && typeof payload === 'object' ? (payload as Record<string, unknown>) : { payload }), type: event, event });
    });
    socket.on('disconnect', (reason) => this.end({ code: 0, reason }));
  }

  close(): void {
    this.socket.disconnect();
  }
}

/** Connects a Socket.io client (websocket transport unless told); resolves once connected or refused. */
export async function openIo(
  server: TestServer,
  opts: { auth?: Record<string, unknown>; extraHeaders?: Record<string, string>; query?: Record<string, string>; transports?: Array<'websocket' | 'polling'> } = {},
): Promise<IoClient> {
  const socket = io(server.url, {
    path: '/socket.io/',
    transports: opts.transports ?? ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: WAIT_MS,
    ...(opts.auth ? { auth: opts.auth } : {}),
    ...(opts.extraHeaders ? { extraHeaders: opts.extraHeaders } : {}),
    ...(opts.query ? { query: opts.query } : {}),
  });
  const client = new IoClient(socket);
  await new Promise<void>((resolve) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error) => {
      client.connectError = error;
      resolve();
    });
  });
  return client;
}

/** Emits with an acknowledgement and waits for it. */
export function emitAck(client: IoClient, event: string, payload: unknown): Promise<any> {
  return client.socket.timeout(WAIT_MS).emitWithAck(event, payload);
}

/** A Socket.io round trip: `ping` then the `pong` event. */
export async function ioSync(client: IoClient): Promise<void> {
  const from = client.mark();
  client.socket.emit('ping', {});
  await client.next('pong', () => true, { from });
}

// ---------------------------------------------------------------- the event log, for checking replays

/** The chats `userId` is in now (not deleted). */
export async function chatIdsOf(server: TestServer, userId: string): Promise<string[]> {
  const rows = await server.storage.db
    .selectFrom('chat_members')
    .innerJoin('chats', 'chats.id', 'chat_members.chat_id')
    .select('chat_members.chat_id')
    .where('chat_members.user_id', '=', userId)
    .where('chats.deleted_at', 'is', null)
    .execute();
  return rows.map((r) => r.chat_id);
}

/**
 * Ids of the stored events after `after` that `userId` may see now: those addressed to them, and
 * the chat-wide ones of their chats. `startOf` gives per-chat starting ids (the `since` form).
 */
export async function visibleEventIds(server: TestServer, userId: string, after: number, startOf: Record<string, number> = {}): Promise<number[]> {
  const chats = await chatIdsOf(server, userId);
  const rows = await server.storage.db.selectFrom('events').select(['id', 'chat_id', 'user_id']).where('id', '>', after).orderBy('id').execute();
  return rows
    .filter((r) => r.user_id === userId || (r.user_id === null && r.chat_id !== null && chats.includes(r.chat_id)))
    .filter((r) => {
      const start = r.chat_id === null ? undefined : startOf[r.chat_id];
      return start === undefined || Number(r.id) > start;
    })
    .map((r) => Number(r.id));
}

/** The newest event id in the log. */
export function newestEventId(server: TestServer): Promise<number> {
  return server.services.events.newestId();
}

/** Waits a little past the delivered-receipt batch (100 ms), so no receipt is still on its way. */
export function quiet(ms = 400): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
