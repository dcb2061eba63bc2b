import type { Message } from '@majlis/protocol';
import type { AuthSession } from './auth.js';
import { Emitter, type Listener } from './emitter.js';
import { type ClientFrame, compareCursors, type EventOf, isDurable, type SendFrame, type ServerEvent, type ServerEventType } from './events.js';
import { MajlisError } from './http.js';
import { randomId } from './ids.js';

/** What the SDK needs of a WebSocket: the browser's, Node 22's global one, or the `ws` package's. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

const OPEN = 1;
/** Close codes of docs/REALTIME.md that change what the client does. */
const CLOSE_UNAUTHORIZED = 4401;
const CLOSE_FORBIDDEN = 4403;
const CLOSE_NORMAL = 1000;
/** Ours, for a connection that stopped answering pings. */
const CLOSE_PING_TIMEOUT = 4000;

export interface BackoffOptions {
  /** The first reconnect waits about this long (ms). */
  initialMs: number;
  /** Waits never grow beyond this (ms). */
  maxMs: number;
  factor: number;
}

export interface RealtimeOptions {
  /** A WebSocket class; defaults to `globalThis.WebSocket` (browsers, Node 22+). On Node 20 pass `ws`'s. */
  WebSocket?: WebSocketConstructor | undefined;
  /** Resume from here (the highest cursor the app has applied, e.g. kept in localStorage). */
  cursor?: string | null | undefined;
  /** `/ws` (every chat of mine) by default. */
  path?: string | undefined;
  /** Extra query parameters of the socket URL, e.g. `{ api_key }` when the server requires API keys. */
  query?: Record<string, string> | undefined;
  /**
   * How to resume: a `{type:"resume", cursor}` frame first (default), or `?cursor=` on the URL,
   * which the server replays from before it reads any frame.
   */
  resumeVia?: 'frame' | 'query' | undefined;
  backoff?: Partial<BackoffOptions> | undefined;
  /** Sends `ping` this often and reconnects when nothing came back for `pongTimeoutMs`; 0 turns it off. */
  pingIntervalMs?: number | undefined;
  pongTimeoutMs?: number | undefined;
  /** Called with each new highest cursor, to persist it. */
  onCursor?: ((cursor: string) => void) | undefined;
}

/** What a RealtimeConnection gets from the client it belongs to. */
export interface RealtimeDeps {
  baseUrl: string;
  session: AuthSession;
  /** The newest cursor now (GET /api/sync): the starting point when there is none yet, and after a reset. */
  fetchCursor: (() => Promise<string>) | null;
}

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'waiting' | 'stopped';

export type StopReason = 'closed' | 'logged_out' | 'forbidden';

/** Lifecycle events of the connection itself, next to the server's events. */
export interface ConnectionEvents {
  /**
   * Connected, authenticated, and caught up: the server answered the `ping` sent right after
   * `resume`, and it handles frames in order, so every replayed event came before this.
   */
  open: { resumed: boolean; cursor: string | null };
  /** The socket closed; unless stopped, a reconnect follows after `delayMs`. */
  close: { code: number; reason: string; willReconnect: boolean };
  state: ConnectionState;
  /** No more reconnecting: closed by the app, logged out (4401 and the refresh failed), or 4403. */
  stopped: { reason: StopReason };
  /** The highest applied cursor moved. */
  cursor: string;
  /** Every server frame that passed de-duplication, whatever its type. */
  event: ServerEvent;
}

/** Listener payloads by name: every server event type, plus the connection's own events. */
export type RealtimeEvents = { [K in ServerEventType]: EventOf<K> } & ConnectionEvents;

export interface SendOptions {
  replyTo?: string | undefined;
  /** Defaults to a random UUID. Sending again with the same id (here or by REST) yields the same message. */
  clientId?: string | undefined;
  /** Rejects with code `timeout` after this long; the message may still arrive (resend with the same clientId). */
  timeoutMs?: number | undefined;
}

interface PendingSend {
  frame: SendFrame;
  promise: Promise<Message>;
  resolve: (message: Message) => void;
  reject: (error: MajlisError) => void;
  timer: ReturnType<typeof setTimeout> | null;
}

// The server allows 20 frames a second (bursts of 40) and closes connections that keep going
// over; the client stays a little under that, queueing the excess.
const BUDGET = { burst: 30, perSecond: 15 };

function unref(timer: ReturnType<typeof setTimeout> | ReturnType<typeof setInterval>): void {
  (timer as { unref?: () => void }).unref?.();
}

/**
 * One real-time connection to Majlis (docs/REALTIME.md). It authenticates with the
 * subprotocols ["majlis", "bearer.<token>"] (browsers cannot set headers), resumes from the
 * highest applied cursor, drops events it already has (no doubles), reconnects with exponential
 * backoff and jitter, refreshes the token on 4401, and re-sends unacknowledged `send`s with their
 * same client_id after a reconnect, so each message exists exactly once.
 */
export class RealtimeConnection {
  private readonly emitter = new Emitter<RealtimeEvents>();
  private readonly WebSocketClass: WebSocketConstructor;
  private readonly backoff: BackoffOptions;
  private readonly pingIntervalMs: number;
  private readonly pongTimeoutMs: number;
  private readonly path: string;
  private socket: WebSocketLike | null = null;
  private currentState: ConnectionState = 'idle';
  private highest: string | null;
  private attempt = 0;
  private unauthorizedInARow = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private stableTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private resendTimer: ReturnType<typeof setTimeout> | null = null;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private lastFrameAt = 0;
  /** The socket is open but the server has not yet answered the first ping (auth and replay pending). */
  private handshaking = false;
  private resumedFrom: string | null = null;
  private readonly pending = new Map<string, PendingSend>();
  private readonly pendingReads = new Map<string, string>();
  private outbox: ClientFrame[] = [];
  private tokens = BUDGET.burst;
  private refilledAt = Date.now();
  private offLoggedOut: () => void = () => {};
  /** Durable events dropped because their cursor was not past the highest applied one. */
  duplicatesDropped = 0;
  /** Sockets opened so far (the first connect included). */
  connectCount = 0;

  constructor(
    private readonly deps: RealtimeDeps,
    private readonly options: RealtimeOptions = {},
  ) {
    const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Ctor) {
      throw new TypeError('No WebSocket here: pass one (on Node 20: `import { WebSocket } from "ws"`, then { WebSocket })');
    }
    this.WebSocketClass = Ctor;
    this.backoff = { initialMs: 500, maxMs: 30_000, factor: 2, ...(options.backoff ?? {}) };
    this.pingIntervalMs = options.pingIntervalMs ?? 25_000;
    this.pongTimeoutMs = options.pongTimeoutMs ?? 10_000;
    this.path = options.path ?? '/ws';
    this.highest = options.cursor ?? null;
  }

  /** The highest cursor applied so far: persist it and pass it back as `cursor` to resume. */
  get cursor(): string | null {
    return this.highest;
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /** Sends not yet acknowledged (they are re-sent after each reconnect). */
  get pendingSends(): number {
    return this.pending.size;
  }

  /** The socket of the moment (tests use it to cut the line). */
  get rawSocket(): WebSocketLike | null {
    return this.socket;
  }

  on<K extends keyof RealtimeEvents>(type: K, listener: Listener<RealtimeEvents[K]>): () => void {
    return this.emitter.on(type, listener);
  }

  once<K extends keyof RealtimeEvents>(type: K, listener: Listener<RealtimeEvents[K]>): () => void {
    return this.emitter.once(type, listener);
  }

  off<K extends keyof RealtimeEvents>(type: K, listener: Listener<RealtimeEvents[K]>): void {
    this.emitter.off(type, listener);
  }

  /** Starts connecting (and keeps the connection up until `close()`). */
  connect(): void {
    if (this.currentState === 'connecting' || this.currentState === 'open' || this.currentState === 'waiting') {
      return;
    }
    this.attempt = 0;
    this.offLoggedOut = this.deps.session.events.on('logged_out', () => this.stop('logged_out'));
    void this.open();
  }

  /** Closes for good: no reconnect; unacknowledged sends reject with `connection_closed`. */
  close(): void {
    this.stop('closed');
  }

  /**
   * Sends a message; resolves with the stored message when the server acknowledges it, rejects
   * with a MajlisError when it refuses. Until then it survives reconnects: it is sent again with
   * the same client_id, which the server turns into exactly one message.
   */
  send(chatId: string, content: string, options: SendOptions = {}): Promise<Message> {
    const clientId = options.clientId ?? randomId();
    const existing = this.pending.get(clientId);
    if (existing) {
      return existing.promise;
    }
    if (this.currentState === 'stopped') {
      return Promise.reject(new MajlisError({ status: 0, code: 'connection_closed', detail: 'The real-time connection is closed.' }));
    }
    const frame: SendFrame = { type: 'send', chat_id: chatId, content, client_id: clientId, ...(options.replyTo ? { reply_to: options.replyTo } : {}) };
    let resolve!: (message: Message) => void;
    let reject!: (error: MajlisError) => void;
    const promise = new Promise<Message>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const entry: PendingSend = { frame, promise, resolve, reject, timer: null };
    if (options.timeoutMs !== undefined) {
      entry.timer = setTimeout(() => {
        this.pending.delete(clientId);
        reject(
          new MajlisError({ status: 0, code: 'timeout', detail: `No answer to send ${clientId} in ${options.timeoutMs} ms; resend with the same clientId.` }),
        );
      }, options.timeoutMs);
    }
    this.pending.set(clientId, entry);
    if (this.writable()) {
      this.write(frame);
    }
    return promise;
  }

  /** Tells the chat I am (not) typing; repeat at least every 5 s while typing. Dropped while disconnected. */
  typing(chatId: string, isTyping = true): boolean {
    if (!this.writable()) {
      return false;
    }
    this.write({ type: 'typing', chat_id: chatId, is_typing: isTyping });
    return true;
  }

  /** Marks a message and everything before it read; kept (the newest per chat) until connected. */
  read(chatId: string, messageId: string): void {
    if (this.writable()) {
      this.write({ type: 'read', chat_id: chatId, message_id: messageId });
    } else {
      this.pendingReads.set(chatId, messageId);
    }
  }

  /** Frames can go out: the socket is open (the server queues them until it has authenticated us). */
  private writable(): boolean {
    return this.socket !== null && this.socket.readyState === OPEN;
  }

  private setState(state: ConnectionState): void {
    if (this.currentState !== state) {
      this.currentState = state;
      this.emitter.emit('state', state);
    }
  }

  private wsUrl(): string {
    const params = { ...(this.options.query ?? {}), ...(this.options.resumeVia === 'query' && this.highest !== null ? { cursor: this.highest } : {}) };
    const qs = new URLSearchParams(params).toString();
    return `${this.deps.baseUrl.replace(/\/+$/, '').replace(/^http/i, 'ws')}${this.path}${qs ? `?${qs}` : ''}`;
  }

  private async open(): Promise<void> {
    this.setState('connecting');
    if (this.highest === null && this.deps.fetchCursor) {
      // Start from "now" as a resume point, so even a drop before the first event loses nothing.
      try {
        this.setCursor(await this.deps.fetchCursor());
      } catch {
        if (this.currentState === 'connecting') {
          this.scheduleReconnect();
        }
        return;
      }
      if (this.currentState !== 'connecting') {
        return;
      }
    }
    const token = this.deps.session.accessToken();
    if (!token) {
      this.stop('logged_out');
      return;
    }
    let ws: WebSocketLike;
    try {
      ws = new this.WebSocketClass(this.wsUrl(), ['majlis', `bearer.${token}`]);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = ws;
    this.connectCount += 1;
    ws.onopen = () => {
      if (ws === this.socket) {
        this.onSocketOpen();
      }
    };
    ws.onmessage = (event: { data: unknown }) => {
      if (ws === this.socket) {
        this.onFrame(typeof event.data === 'string' ? event.data : String(event.data));
      }
    };
    ws.onclose = (event: { code?: number; reason?: string }) => {
      if (ws === this.socket) {
        this.onClose(event.code ?? 1006, event.reason ?? '', token);
      }
    };
    ws.onerror = () => {
      // A close event follows; reconnecting is decided there.
    };
  }

  /**
   * The socket is open, which says nothing yet: the server authenticates after the upgrade and
   * may still close with 4401. Resume first (the server replays what we missed before anything
   * else), then a ping whose pong marks "authenticated and caught up", then what waited to go out.
   */
  private onSocketOpen(): void {
    this.lastFrameAt = Date.now();
    this.handshaking = true;
    this.resumedFrom = this.highest;
    this.stableTimer = setTimeout(() => {
      this.attempt = 0;
      this.unauthorizedInARow = 0;
    }, 5_000);
    unref(this.stableTimer);
    if (this.highest !== null && this.options.resumeVia !== 'query') {
      this.writeNow({ type: 'resume', cursor: this.highest });
    }
    this.writeNow({ type: 'ping' });
    for (const entry of this.pending.values()) {
      this.write(entry.frame);
    }
    for (const [chatId, messageId] of this.pendingReads) {
      this.write({ type: 'read', chat_id: chatId, message_id: messageId });
    }
    this.pendingReads.clear();
    if (this.pingIntervalMs > 0) {
      this.pingTimer = setInterval(() => this.heartbeat(), this.pingIntervalMs);
      unref(this.pingTimer);
    }
  }

  /** The server answered the first ping: we are in. */
  private onReady(): void {
    this.handshaking = false;
    this.unauthorizedInARow = 0;
    this.setState('open');
    this.emitter.emit('open', { resumed: this.resumedFrom !== null, cursor: this.resumedFrom });
  }

  private heartbeat(): void {
    if (Date.now() - this.lastFrameAt > this.pingIntervalMs + this.pongTimeoutMs) {
      // Half-open: the network vanished without a close. Start over.
      this.socket?.close(CLOSE_PING_TIMEOUT, 'ping timeout');
      this.onClose(CLOSE_PING_TIMEOUT, 'ping timeout', null);
      return;
    }
    this.write({ type: 'ping' });
  }

  private setCursor(cursor: string): void {
    if (this.highest === null || compareCursors(cursor, this.highest) > 0) {
      this.highest = cursor;
      this.options.onCursor?.(cursor);
      this.emitter.emit('cursor', cursor);
    }
  }

  private onFrame(data: string): void {
    this.lastFrameAt = Date.now();
    this.attempt = 0;
    let event: ServerEvent;
    try {
      event = JSON.parse(data) as ServerEvent;
    } catch {
      return;
    }
    if (!event || typeof event !== 'object' || typeof event.type !== 'string') {
      return;
    }
    if (isDurable(event)) {
      if (this.highest !== null && compareCursors(event.cursor, this.highest) <= 0) {
        this.duplicatesDropped += 1;
        return;
      }
      this.setCursor(event.cursor);
    }
    if (event.type === 'pong' && this.handshaking) {
      this.onReady();
      return;
    }
    if (event.type === 'ack') {
      this.settle(event.client_id, (entry) => entry.resolve(event.message));
    } else if (event.type === 'error') {
      this.onErrorFrame(event);
    } else if (event.type === 'reset') {
      void this.onReset(event);
      return;
    }
    this.emitter.emit(event.type, event as never);
    this.emitter.emit('event', event);
  }

  private settle(clientId: string, action: (entry: PendingSend) => void): void {
    const entry = this.pending.get(clientId);
    if (!entry) {
      return; // already settled: an ack repeated after a re-send
    }
    this.pending.delete(clientId);
    if (entry.timer) {
      clearTimeout(entry.timer);
    }
    action(entry);
  }

  private onErrorFrame(event: EventOf<'error'>): void {
    if (event.client_id) {
      const error = new MajlisError({ status: event.status, code: event.code, detail: event.detail, errors: event.errors });
      this.settle(event.client_id, (entry) => entry.reject(error));
      return;
    }
    if (event.code === 'rate_limited' && this.pending.size > 0 && !this.resendTimer) {
      // A refused frame names no client_id: send every unacknowledged one again (they are idempotent).
      this.resendTimer = setTimeout(() => {
        this.resendTimer = null;
        if (this.writable()) {
          for (const entry of this.pending.values()) {
            this.write(entry.frame);
          }
        }
      }, 1_000);
    }
  }

  /** The resume point is gone: take "now" as the new one, then let the app reload by REST. */
  private async onReset(event: EventOf<'reset'>): Promise<void> {
    if (this.deps.fetchCursor) {
      try {
        this.setCursor(await this.deps.fetchCursor());
      } catch {
        // Keep the old cursor: the next reconnect asks again and gets another reset.
      }
    }
    this.emitter.emit('reset', event);
    this.emitter.emit('event', event);
  }

  private onClose(code: number, reason: string, usedToken: string | null): void {
    this.detach();
    if (this.currentState === 'stopped') {
      return;
    }
    if (code === CLOSE_FORBIDDEN) {
      this.emitter.emit('close', { code, reason, willReconnect: false });
      this.stop('forbidden');
      return;
    }
    this.emitter.emit('close', { code, reason, willReconnect: true });
    if (code === CLOSE_UNAUTHORIZED) {
      void this.reauthenticate(usedToken);
      return;
    }
    this.unauthorizedInARow = 0;
    this.scheduleReconnect();
  }

  /** 4401: the token expired or the session ended. Refresh, then reconnect; stop if that fails. */
  private async reauthenticate(usedToken: string | null): Promise<void> {
    this.setState('waiting');
    this.unauthorizedInARow += 1;
    let ok: boolean;
    try {
      ok = await this.deps.session.refresh(usedToken);
    } catch {
      this.scheduleReconnect(); // the refresh did not reach the server: try again later
      return;
    }
    if (this.currentState === 'stopped') {
      return;
    }
    if (!ok) {
      this.stop('logged_out');
      return;
    }
    // A fresh token that is refused at once again is not a token problem: back off.
    if (this.unauthorizedInARow > 1) {
      this.scheduleReconnect();
    } else {
      void this.open();
    }
  }

  private scheduleReconnect(): void {
    if (this.currentState === 'stopped') {
      return;
    }
    this.setState('waiting');
    const base = Math.min(this.backoff.maxMs, this.backoff.initialMs * this.backoff.factor ** this.attempt);
    // "Equal jitter": half fixed, half random, so a server restart is not met by every client at once.
    const delay = base / 2 + Math.random() * (base / 2);
    this.attempt += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.open();
    }, delay);
  }

  /** Forgets the current socket and its timers. */
  private detach(): void {
    const ws = this.socket;
    this.socket = null;
    this.handshaking = false;
    if (ws) {
      ws.onopen = null;
      ws.onmessage = null;
      ws.onclose = null;
      ws.onerror = null;
    }
    for (const timer of [this.stableTimer, this.resendTimer, this.flushTimer]) {
      if (timer) {
        clearTimeout(timer);
      }
    }
    if (this.pingTimer) {
      clearInterval(this.pingTimer);
    }
    this.stableTimer = null;
    this.resendTimer = null;
    this.flushTimer = null;
    this.pingTimer = null;
    // Unsent sends stay in `pending` and go again after the reconnect; typing is not worth keeping.
    this.outbox = [];
  }

  private stop(reason: StopReason): void {
    if (this.currentState === 'stopped') {
      return;
    }
    const ws = this.socket;
    this.detach();
    if (ws && ws.readyState <= OPEN) {
      ws.close(CLOSE_NORMAL, 'client closed');
    }
    if (this.reconnectTimer) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
    }
    this.offLoggedOut();
    this.setState('stopped');
    const error = new MajlisError({
      status: 0,
      code: 'connection_closed',
      detail: `The real-time connection stopped (${reason}); resend with the same clientId to be sure.`,
    });
    for (const [clientId] of [...this.pending]) {
      this.settle(clientId, (entry) => entry.reject(error));
    }
    this.emitter.emit('stopped', { reason });
  }

  /** Queues a frame under the client-side rate budget. */
  private write(frame: ClientFrame): void {
    this.outbox.push(frame);
    this.flush();
  }

  private writeNow(frame: ClientFrame): void {
    if (this.socket && this.socket.readyState === OPEN) {
      this.socket.send(JSON.stringify(frame));
    }
  }

  private flush(): void {
    const now = Date.now();
    this.tokens = Math.min(BUDGET.burst, this.tokens + ((now - this.refilledAt) / 1000) * BUDGET.perSecond);
    this.refilledAt = now;
    while (this.outbox.length > 0 && this.tokens >= 1) {
      const frame = this.outbox.shift() as ClientFrame;
      this.tokens -= 1;
      this.writeNow(frame);
    }
    if (this.outbox.length > 0 && !this.flushTimer) {
      this.flushTimer = setTimeout(
        () => {
          this.flushTimer = null;
          this.flush();
        },
        Math.ceil(1000 / BUDGET.perSecond),
      );
    }
  }
}
