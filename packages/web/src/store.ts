import {
  applyEvent,
  type Chat,
  type ChatState,
  type ConnectionState,
  createState,
  type DurableEvent,
  isDurable,
  MajlisClient,
  MajlisError,
  type Message,
  type RealtimeConnection,
  type RegisterBody,
  randomId,
  type ServerEvent,
  setMessages,
  upsertChat,
  type User,
} from 'majlis-client';
import { useEffect, useState } from 'preact/hooks';
import { lang, t } from './i18n';
import { WindowTokenStore } from './tokens';

/** A message on its way: shown at the end of the conversation until the server has it. */
export interface PendingMessage {
  clientId: string;
  chatId: string;
  content: string;
  createdAt: string;
  /** Why it failed (it can be sent again with the same client id: still one message). */
  error: string | null;
}

export interface AppState {
  phase: 'loading' | 'auth' | 'ready' | 'offline';
  me: User | null;
  data: ChatState | null;
  /** Chats whose newest page is loaded (their messages are in data.messages). */
  loaded: Record<string, boolean>;
  /** Older messages exist before the loaded ones. */
  hasOlder: Record<string, boolean>;
  loadingOlder: Record<string, boolean>;
  /** chat id → user id → when their "typing" expires (ms). */
  typing: Record<string, Record<string, number>>;
  /** Presence seen live, newer than the profiles in the chat list. */
  presence: Record<string, { online: boolean; lastSeen: string | null }>;
  pending: PendingMessage[];
  connection: ConnectionState;
  /** A line for the login screen (why we are there). */
  notice: string | null;
  /** What screen readers hear (an aria-live region). */
  announcement: string;
}

const INITIAL: AppState = {
  phase: 'loading',
  me: null,
  data: null,
  loaded: {},
  hasOlder: {},
  loadingOlder: {},
  typing: {},
  presence: {},
  pending: [],
  connection: 'idle',
  notice: null,
  announcement: '',
};

const PAGE = 50;
/** The server expires typing after 5 s without a repeat; we do too, a little later. */
const TYPING_TTL_MS = 6_000;

/** A sentence for an error: the server's own `detail` (already in our language), or ours. */
export function errorText(error: unknown): string {
  if (error instanceof MajlisError) {
    return error.status === 0 ? t('networkError') : error.detail;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * The app's state and everything that changes it. Chats and messages are the SDK's ChatState,
 * kept current by `applyEvent` from the real-time connection; the rest is UI state.
 */
export class Store {
  readonly client: MajlisClient;
  private readonly tokens = new WindowTokenStore();
  private state: AppState = INITIAL;
  private readonly listeners = new Set<() => void>();
  private rt: RealtimeConnection | null = null;
  /** Events that arrive while a chat's first page is loading, applied again once it is in. */
  private buffering = new Map<string, DurableEvent[]>();
  private fetchingStale = new Set<string>();
  private readSent = new Map<string, number>();
  private typingTimer: ReturnType<typeof setInterval> | null = null;
  private generation = 0;
  activeChatId: string | null = null;

  constructor(client?: MajlisClient) {
    this.client =
      client ??
      new MajlisClient({
        baseUrl: location.origin,
        tokenStore: this.tokens,
        headers: { 'Accept-Language': lang },
      });
    this.client.on('logged_out', ({ reason }) => {
      this.stopRealtime();
      this.activeChatId = null;
      if (location.hash) {
        location.hash = '';
      }
      this.set({ ...INITIAL, phase: 'auth', notice: reason === 'logout' ? null : t('loggedOut') });
    });
    document.addEventListener('visibilitychange', () => {
      if (this.activeChatId) {
        this.markRead(this.activeChatId);
      }
    });
  }

  get(): AppState {
    return this.state;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(patch: Partial<AppState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) {
      listener();
    }
  }

  private setData(data: ChatState): void {
    this.set({ data });
  }

  // Session

  async boot(): Promise<void> {
    if (this.client.isLoggedIn) {
      await this.start();
    } else {
      this.set({ phase: 'auth' });
    }
  }

  async login(identifier: string, password: string, remember = false): Promise<void> {
    this.tokens.beginLogin(remember);
    await this.client.auth.login({ identifier, password });
    await this.start();
  }

  async register(body: RegisterBody, remember = false): Promise<void> {
    this.tokens.beginLogin(remember);
    await this.client.auth.register(body);
    await this.start();
  }

  async logout(): Promise<void> {
    this.stopRealtime();
    try {
      await this.client.auth.logout();
    } finally {
      this.set({ ...INITIAL, phase: 'auth' });
    }
  }

  /**
   * Loads the snapshot and goes live. The cursor is taken before the snapshot, so no event
   * falls between them (docs/CLIENT.md, "Keeping state").
   */
  async start(): Promise<void> {
    const generation = ++this.generation;
    this.stopRealtime();
    if (this.state.phase !== 'ready') {
      this.set({ phase: 'loading' });
    }
    try {
      const cursor = await this.client.sync.cursor();
      const [me, chats] = await Promise.all([this.client.users.me(), this.client.chats.list()]);
      if (generation !== this.generation) {
        return;
      }
      this.buffering.clear();
      this.readSent.clear();
      this.set({
        phase: 'ready',
        me,
        data: createState(me.id, chats),
        loaded: {},
        hasOlder: {},
        loadingOlder: {},
        typing: {},
        presence: {},
        notice: null,
      });
      this.connect(cursor);
      if (this.activeChatId) {
        void this.openChat(this.activeChatId);
      }
    } catch (error) {
      if (generation !== this.generation) {
        return;
      }
      if (error instanceof MajlisError && error.status === 401) {
        this.set({ ...INITIAL, phase: 'auth' });
      } else {
        this.set({ phase: 'offline', notice: errorText(error) });
      }
    }
  }

  private connect(cursor: string): void {
    const rt = this.client.realtime({ cursor });
    this.rt = rt;
    rt.on('state', (connection) => this.set({ connection }));
    rt.on('event', (event) => this.onEvent(event));
    rt.connect();
    this.typingTimer = setInterval(() => this.expireTyping(), 1_000);
  }

  private stopRealtime(): void {
    this.rt?.close();
    this.rt = null;
    if (this.typingTimer) {
      clearInterval(this.typingTimer);
      this.typingTimer = null;
    }
  }

  // Events

  private onEvent(event: ServerEvent): void {
    const data = this.state.data;
    if (!data) {
      return;
    }
    if (event.type === 'typing') {
      this.onTyping(event.chat_id, event.user_id, event.is_typing);
      return;
    }
    if (event.type === 'presence') {
      this.set({ presence: { ...this.state.presence, [event.user_id]: { online: event.is_online, lastSeen: event.last_seen } } });
      return;
    }
    if (event.type === 'reset') {
      void this.start();
      return;
    }
    if (!isDurable(event)) {
      return;
    }
    this.buffering.get(event.chat_id)?.push(event);
    this.setData(applyEvent(data, event));
    if (event.type === 'new_message') {
      this.onNewMessage(event.message);
    }
    void this.fetchStale();
  }

  private onNewMessage(message: Message): void {
    const me = this.state.me;
    if (message.sender_id && message.sender_id !== me?.id) {
      this.onTyping(message.chat_id, message.sender_id, false);
      if (message.message_type !== 'system') {
        const preview = message.content ?? (message.file ? message.file.name : '');
        this.set({ announcement: `${t('newMessageFrom', { name: message.sender_name ?? '' })}: ${preview}` });
      }
    }
    if (message.client_id) {
      this.dropPending(message.client_id);
    }
    if (message.chat_id === this.activeChatId) {
      this.markRead(message.chat_id);
    }
  }

  /** Chats the events could not describe in full: fetch them (once at a time each). */
  private async fetchStale(): Promise<void> {
    const stale = this.state.data?.stale ?? [];
    for (const chatId of stale) {
      if (this.fetchingStale.has(chatId)) {
        continue;
      }
      this.fetchingStale.add(chatId);
      try {
        const chat = await this.client.chats.get(chatId);
        if (this.state.data) {
          this.setData(upsertChat(this.state.data, chat));
        }
      } catch (error) {
        if (this.state.data && error instanceof MajlisError && (error.status === 404 || error.status === 403)) {
          this.setData({ ...this.state.data, stale: this.state.data.stale.filter((id) => id !== chatId) });
        }
      } finally {
        this.fetchingStale.delete(chatId);
      }
    }
  }

  private onTyping(chatId: string, userId: string, isTyping: boolean): void {
    const current = this.state.typing[chatId] ?? {};
    if (!isTyping && !(userId in current)) {
      return;
    }
    const next = { ...current };
    if (isTyping) {
      next[userId] = Date.now() + TYPING_TTL_MS;
    } else {
      delete next[userId];
    }
    this.set({ typing: { ...this.state.typing, [chatId]: next } });
  }

  private expireTyping(): void {
    const now = Date.now();
    let changed = false;
    const typing: AppState['typing'] = {};
    for (const [chatId, users] of Object.entries(this.state.typing)) {
      const kept = Object.fromEntries(Object.entries(users).filter(([, until]) => until > now));
      changed ||= Object.keys(kept).length !== Object.keys(users).length;
      typing[chatId] = kept;
    }
    if (changed) {
      this.set({ typing });
    }
  }

  dismissNotice(): void {
    this.set({ notice: null });
  }

  // Chats

  chat(chatId: string): Chat | undefined {
    return this.state.data?.chats.find((c) => c.id === chatId);
  }

  /** Opens the direct chat with a user (by username or email) and returns its id. */
  async startDirect(identifier: string): Promise<string> {
    const { chat_id } = await this.client.chats.openDirect({ identifier });
    if (!this.chat(chat_id)) {
      const chat = await this.client.chats.get(chat_id);
      if (this.state.data) {
        this.setData(upsertChat(this.state.data, chat));
      }
    }
    return chat_id;
  }

  /** The conversation on screen (null: none); its first page loads once, and it is marked read. */
  async openChat(chatId: string | null): Promise<void> {
    this.activeChatId = chatId;
    if (!chatId || !this.state.data) {
      return;
    }
    if (!this.state.loaded[chatId] && !this.buffering.has(chatId)) {
      await this.loadLatest(chatId);
    }
    this.markRead(chatId);
  }

  private async loadLatest(chatId: string): Promise<void> {
    this.buffering.set(chatId, []);
    try {
      const page = await this.client.messages.list(chatId, { limit: PAGE });
      const data = this.state.data;
      if (!data) {
        return;
      }
      // Events that came while the page was on its way may be newer than it: apply them again
      // (applyEvent is idempotent for a message it already has).
      let next = setMessages(data, chatId, page.messages);
      for (const event of this.buffering.get(chatId) ?? []) {
        next = applyEvent(next, event);
      }
      this.set({
        data: next,
        loaded: { ...this.state.loaded, [chatId]: true },
        hasOlder: { ...this.state.hasOlder, [chatId]: page.has_more },
      });
    } catch (error) {
      this.set({ notice: errorText(error) });
    } finally {
      this.buffering.delete(chatId);
    }
  }

  /** The page before the oldest loaded message (before_seq). */
  async loadOlder(chatId: string): Promise<void> {
    const data = this.state.data;
    const first = data?.messages[chatId]?.[0];
    if (!data || !first || this.state.loadingOlder[chatId] || !this.state.hasOlder[chatId]) {
      return;
    }
    this.set({ loadingOlder: { ...this.state.loadingOlder, [chatId]: true } });
    try {
      const page = await this.client.messages.list(chatId, { before_seq: first.seq, limit: PAGE });
      const current = this.state.data;
      if (current) {
        const known = new Set((current.messages[chatId] ?? []).map((m) => m.id));
        const older = page.messages.filter((m) => !known.has(m.id));
        this.set({
          data: setMessages(current, chatId, [...older, ...(current.messages[chatId] ?? [])]),
          hasOlder: { ...this.state.hasOlder, [chatId]: page.has_more },
        });
      }
    } catch (error) {
      this.set({ notice: errorText(error) });
    } finally {
      this.set({ loadingOlder: { ...this.state.loadingOlder, [chatId]: false } });
    }
  }

  /** Tells the server I have read the chat up to its newest message, when the page is visible. */
  markRead(chatId: string): void {
    const chat = this.chat(chatId);
    if (!chat?.last_message || chat.unread_count === 0 || document.visibilityState !== 'visible') {
      return;
    }
    if ((this.readSent.get(chatId) ?? 0) >= chat.last_message.seq) {
      return;
    }
    this.readSent.set(chatId, chat.last_message.seq);
    this.rt?.read(chatId, chat.last_message.id);
  }

  // Sending

  /** Sends over the socket, exactly once (the client id goes with every retry). */
  send(chatId: string, content: string): void {
    const pending: PendingMessage = { clientId: randomId(), chatId, content, createdAt: new Date().toISOString(), error: null };
    this.set({ pending: [...this.state.pending, pending] });
    this.typing(chatId, false);
    void this.deliver(pending);
  }

  /** Tries a failed message again, under the same client id. */
  resend(clientId: string): void {
    const pending = this.state.pending.find((p) => p.clientId === clientId);
    if (pending) {
      this.set({ pending: this.state.pending.map((p) => (p.clientId === clientId ? { ...p, error: null } : p)) });
      void this.deliver(pending);
    }
  }

  private async deliver(pending: PendingMessage): Promise<void> {
    try {
      if (!this.rt) {
        throw new MajlisError({ status: 0, code: 'connection_closed', detail: t('networkError') });
      }
      const message = await this.rt.send(pending.chatId, pending.content, { clientId: pending.clientId });
      // The ack may come before the new_message event: put the message in place now.
      const data = this.state.data;
      if (data && this.state.loaded[message.chat_id] && !data.messages[message.chat_id]?.some((m) => m.id === message.id)) {
        this.setData(setMessages(data, message.chat_id, [...(data.messages[message.chat_id] ?? []), message]));
      }
      this.dropPending(pending.clientId);
    } catch (error) {
      this.set({ pending: this.state.pending.map((p) => (p.clientId === pending.clientId ? { ...p, error: errorText(error) } : p)) });
    }
  }

  private dropPending(clientId: string): void {
    if (this.state.pending.some((p) => p.clientId === clientId)) {
      this.set({ pending: this.state.pending.filter((p) => p.clientId !== clientId) });
    }
  }

  private typingSentAt = new Map<string, number>();

  /** I am (not) typing in a chat: sent at most every 3 s while typing. */
  typing(chatId: string, isTyping: boolean): void {
    const last = this.typingSentAt.get(chatId) ?? 0;
    if (isTyping) {
      if (Date.now() - last < 3_000) {
        return;
      }
      this.typingSentAt.set(chatId, Date.now());
      this.rt?.typing(chatId, true);
    } else if (last > 0) {
      this.typingSentAt.delete(chatId);
      this.rt?.typing(chatId, false);
    }
  }

  /** Whether a user is online: live presence first, else what their profile said. */
  isOnline(user: User): boolean {
    return this.state.presence[user.id]?.online ?? user.is_online;
  }

  lastSeen(user: User): string | null {
    return this.state.presence[user.id]?.lastSeen ?? user.last_seen;
  }
}

export const store = new Store();

/** The app state, re-rendering the component when it changes. */
export function useAppState(): AppState {
  const [state, setState] = useState(store.get());
  useEffect(() => {
    setState(store.get());
    return store.subscribe(() => setState(store.get()));
  }, []);
  return state;
}

/** The other person of a direct chat. */
export function peerOf(chat: Chat, meId: string | undefined): User | undefined {
  return chat.chat_type === 'single' ? (chat.participants.find((u) => u.id !== meId) ?? chat.participants[0]) : undefined;
}

/** The name a chat goes by: the group's, or the other person's. */
export function chatTitle(chat: Chat, meId: string | undefined): string {
  if (chat.chat_type === 'group') {
    return chat.group_name ?? '';
  }
  const peer = peerOf(chat, meId);
  return peer ? displayName(peer) : '';
}

export function displayName(user: Pick<User, 'full_name' | 'username'>): string {
  return user.full_name?.trim() || user.username;
}
