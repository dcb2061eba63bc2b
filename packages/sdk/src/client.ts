import { AuthApi } from './api/auth.js';
import { ChatsApi } from './api/chats.js';
import { MessagesApi } from './api/messages.js';
import { UsersApi } from './api/users.js';
import { type AuthEvents, AuthSession, MemoryTokenStore, type Tokens, type TokenStore } from './auth.js';
import type { Listener } from './emitter.js';
import { type FetchFn, Http } from './http.js';
import { RealtimeConnection, type RealtimeOptions, type WebSocketConstructor } from './realtime.js';
import type { SyncResult } from './types.js';

export interface MajlisClientOptions {
  /** The server, e.g. `https://chat.example.com` (no trailing /api). */
  baseUrl: string;
  /** Where tokens live; `MemoryTokenStore` by default, `LocalStorageTokenStore` to survive reloads. */
  tokenStore?: TokenStore | undefined;
  /** Start logged in with these tokens (into the store). */
  tokens?: Tokens | undefined;
  fetch?: FetchFn | undefined;
  /** Sent with every request, e.g. `{ 'X-API-Key': key, 'Accept-Language': 'fa' }`. */
  headers?: Record<string, string> | undefined;
  /** The WebSocket class for `realtime()` (Node 20: the `ws` package's). */
  WebSocket?: WebSocketConstructor | undefined;
}

/** The event log without a socket: its current cursor, and the long poll (GET /api/sync). */
export class SyncApi {
  constructor(private readonly session: AuthSession) {}

  /** The newest cursor now: take it before a REST snapshot, then resume from it. */
  async cursor(): Promise<string> {
    return (await this.session.request<SyncResult>({ method: 'GET', path: '/api/sync' })).cursor;
  }

  /** The events after `cursor`, waiting up to `timeout` seconds for one (long poll). */
  poll(cursor: string, options: { timeout?: number; limit?: number } = {}): Promise<SyncResult> {
    return this.session.request({ method: 'GET', path: '/api/sync', query: { cursor, ...options } });
  }
}

/**
 * The Majlis client: every REST call of the contract, grouped (`auth`, `users`, `chats`,
 * `messages`), with automatic token refresh, and `realtime()` for the event stream.
 */
export class MajlisClient {
  readonly http: Http;
  readonly session: AuthSession;
  readonly auth: AuthApi;
  readonly users: UsersApi;
  readonly chats: ChatsApi;
  readonly messages: MessagesApi;
  readonly sync: SyncApi;
  private readonly WebSocketClass: WebSocketConstructor | undefined;
  private readonly apiKey: string | undefined;

  constructor(options: MajlisClientOptions) {
    this.http = new Http({ baseUrl: options.baseUrl, fetch: options.fetch, headers: options.headers });
    const store = options.tokenStore ?? new MemoryTokenStore();
    if (options.tokens) {
      store.set(options.tokens);
    }
    this.session = new AuthSession(this.http, store);
    this.auth = new AuthApi(this.http, this.session);
    this.users = new UsersApi(this.session);
    this.chats = new ChatsApi(this.session);
    this.messages = new MessagesApi(this.session);
    this.sync = new SyncApi(this.session);
    this.WebSocketClass = options.WebSocket;
    this.apiKey = Object.entries(options.headers ?? {}).find(([name]) => name.toLowerCase() === 'x-api-key')?.[1];
  }

  /** True while tokens are stored. */
  get isLoggedIn(): boolean {
    return this.session.isLoggedIn;
  }

  /** `tokens` (stored after login, register, refresh) and `logged_out` (refresh failed, revoked, logout). */
  on<K extends keyof AuthEvents>(type: K, listener: Listener<AuthEvents[K]>): () => void {
    return this.session.events.on(type, listener);
  }

  /**
   * A real-time connection that uses this client's tokens (refreshing them on 4401). Call
   * `connect()` on it; it keeps itself connected until `close()` or logout.
   */
  realtime(options: RealtimeOptions = {}): RealtimeConnection {
    // A socket cannot carry X-API-Key from a browser: the server also takes ?api_key=.
    const query = this.apiKey ? { api_key: this.apiKey, ...(options.query ?? {}) } : options.query;
    return new RealtimeConnection(
      { baseUrl: this.http.baseUrl, session: this.session, fetchCursor: () => this.sync.cursor() },
      { ...options, query, WebSocket: options.WebSocket ?? this.WebSocketClass },
    );
  }
}
