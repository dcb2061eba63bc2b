import { MajlisClient, type RealtimeConnection, type RealtimeEvents, type RealtimeOptions, type User, type WebSocketConstructor } from 'majlis-client';
import sharp from 'sharp';
import { WebSocket } from 'ws';
import { startServer, type TestServer } from '../../server/test/support/server.js';

export { startServer, type TestServer };

/** Node 20 has no global WebSocket: the SDK takes the `ws` package's. */
export const NodeWebSocket = WebSocket as unknown as WebSocketConstructor;

/** How long a test waits for something it expects before failing (never an assertion on speed). */
export const WAIT_MS = 10_000;

/** The email ADMIN_EMAILS names in these tests: registering with it makes an admin. */
export const ADMIN_EMAIL = 'sdk-admin@example.com';

export const PASSWORD = 'correct horse battery';

let counter = 0;

/** Unique registration fields. */
export function newUser(overrides: Record<string, string> = {}) {
  counter += 1;
  const tag = `${Date.now().toString(36)}${counter}${Math.random().toString(36).slice(2, 5)}`;
  return { username: `sdk_${tag}`, email: `sdk_${tag}@example.com`, password: PASSWORD, full_name: `SDK User ${counter}`, ...overrides };
}

/** A client for the test server. */
export function client(server: TestServer): MajlisClient {
  return new MajlisClient({ baseUrl: server.url, WebSocket: NodeWebSocket });
}

export interface Person {
  client: MajlisClient;
  user: User;
  email: string;
  username: string;
  password: string;
}

/** Registers a fresh user through the SDK (the client is logged in). */
export async function person(server: TestServer, overrides: Record<string, string> = {}): Promise<Person> {
  const c = client(server);
  const fields = newUser(overrides);
  const res = await c.auth.register(fields);
  return { client: c, user: res.user, email: fields.email, username: fields.username, password: fields.password };
}

/** A tuple of N elements: people(server, 3) gives exactly three people. */
export type Tuple<T, N extends number, R extends T[] = []> = R['length'] extends N ? R : Tuple<T, N, [T, ...R]>;

/** Registers several users in order. */
export async function people<N extends number>(server: TestServer, n: N): Promise<Tuple<Person, N>> {
  const out: Person[] = [];
  for (let i = 0; i < n; i += 1) {
    out.push(await person(server));
  }
  return out as Tuple<Person, N>;
}

/** Waits until `check` returns a truthy value; fails with `what` after WAIT_MS. */
export async function waitFor<T>(check: () => T | Promise<T>, what = 'condition', timeoutMs = WAIT_MS): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) {
      return value as NonNullable<T>;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await sleep(20);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Opens a realtime connection with quick reconnects and waits until it is open. */
export async function connect(person: Person, options: RealtimeOptions = {}): Promise<RealtimeConnection> {
  const rt = person.client.realtime({ backoff: { initialMs: 50, maxMs: 500 }, ...options });
  const opened = new Promise<void>((resolve) => rt.once('open', () => resolve()));
  rt.connect();
  await Promise.race([opened, sleep(WAIT_MS).then(() => Promise.reject(new Error('realtime did not open')))]);
  return rt;
}

/** Records every event of the given types that a connection emits, in order. */
export function record<K extends keyof RealtimeEvents>(rt: RealtimeConnection, types: readonly K[]): Array<RealtimeEvents[K]> {
  const seen: Array<RealtimeEvents[K]> = [];
  for (const type of types) {
    rt.on(type, (event) => seen.push(event));
  }
  return seen;
}

/** A small real PNG, for uploads. */
export async function pngBlob(width = 16, height = 16): Promise<Blob> {
  const data = await sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 90 } } })
    .png()
    .toBuffer();
  return new Blob([new Uint8Array(data)], { type: 'image/png' });
}

/** The next event of `type` (matching `pred`) that the connection emits. */
export function nextEvent<K extends keyof RealtimeEvents>(
  rt: RealtimeConnection,
  type: K,
  pred: (event: RealtimeEvents[K]) => boolean = () => true,
  timeoutMs = WAIT_MS,
): Promise<RealtimeEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${String(type)}`));
    }, timeoutMs);
    const off = rt.on(type, (event) => {
      if (pred(event)) {
        clearTimeout(timer);
        off();
        resolve(event);
      }
    });
  });
}

/** Closes every server-side connection of a user, as a node going away would (1001). */
export function dropServerSide(server: TestServer, userId: string, code = 1001): number {
  const conns = [...server.hub.connectionsOf(userId)];
  for (const conn of conns) {
    conn.close(code, 'test: dropped');
  }
  return conns.length;
}
