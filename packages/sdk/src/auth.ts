import type { TokenResponse } from '@majlis/protocol';
import { Emitter } from './emitter.js';
import { type Http, MajlisError, type RequestSpec } from './http.js';

/** What the SDK keeps between calls: the token pair (and the isht-style session token). */
export interface Tokens {
  access_token: string;
  refresh_token: string;
  /** The secret `session_id` of login/register (for X-Session-ID clients); kept if known. */
  session_id?: string | null | undefined;
}

/** Where tokens live. Reads happen before every request, so a store shared by tabs sees their refreshes. */
export interface TokenStore {
  get(): Tokens | null;
  set(tokens: Tokens | null): void;
}

/** The default store: tokens live as long as the client object. */
export class MemoryTokenStore implements TokenStore {
  private tokens: Tokens | null;
  constructor(initial: Tokens | null = null) {
    this.tokens = initial;
  }
  get(): Tokens | null {
    return this.tokens;
  }
  set(tokens: Tokens | null): void {
    this.tokens = tokens;
  }
}

/** The part of the Web Storage API the SDK uses (localStorage, sessionStorage, or a test double). */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Keeps tokens in localStorage (or another Web Storage), so a reload stays logged in. */
export class LocalStorageTokenStore implements TokenStore {
  private readonly storage: StorageLike;
  constructor(
    private readonly key = 'majlis.tokens',
    storage?: StorageLike,
  ) {
    const found = storage ?? (globalThis as { localStorage?: StorageLike }).localStorage;
    if (!found) {
      throw new TypeError('LocalStorageTokenStore needs localStorage (a browser) or a storage passed in');
    }
    this.storage = found;
  }
  get(): Tokens | null {
    const raw = this.storage.getItem(this.key);
    if (!raw) {
      return null;
    }
    try {
      const value = JSON.parse(raw) as Partial<Tokens>;
      return typeof value.access_token === 'string' && typeof value.refresh_token === 'string' ? (value as Tokens) : null;
    } catch {
      return null;
    }
  }
  set(tokens: Tokens | null): void {
    if (tokens) {
      this.storage.setItem(this.key, JSON.stringify(tokens));
    } else {
      this.storage.removeItem(this.key);
    }
  }
}

/** Why the client stopped being logged in. */
export type LogoutReason = 'logout' | 'refresh_failed' | 'session_revoked' | 'account_deleted';

export interface AuthEvents {
  /** New tokens were stored (login, register, refresh). */
  tokens: Tokens;
  /** The tokens are gone: show the login screen. */
  logged_out: { reason: LogoutReason; error?: MajlisError | undefined };
}

/**
 * The logged-in state and automatic refresh. A request answered 401 `invalid_token` (expired
 * access token) refreshes once and is retried; concurrent failures share one refresh
 * (single-flight), because a refresh token works once and a second use ends the session.
 * A refresh that fails clears the tokens and emits `logged_out`.
 */
export class AuthSession {
  readonly events = new Emitter<AuthEvents>();
  private inflight: Promise<boolean> | null = null;
  /** How many refresh calls went to the server (tests and diagnostics). */
  refreshCount = 0;

  constructor(
    private readonly http: Http,
    readonly store: TokenStore,
  ) {}

  get tokens(): Tokens | null {
    return this.store.get();
  }

  accessToken(): string | null {
    return this.store.get()?.access_token ?? null;
  }

  get isLoggedIn(): boolean {
    return this.store.get() !== null;
  }

  /** Stores the tokens of a login, register or refresh answer. */
  accept(response: TokenResponse & { session_id?: string }): void {
    const previous = this.store.get();
    const tokens: Tokens = {
      access_token: response.access_token,
      refresh_token: response.refresh_token,
      session_id: response.session_id ?? previous?.session_id ?? null,
    };
    this.store.set(tokens);
    this.events.emit('tokens', tokens);
  }

  /** Forgets the tokens and tells listeners (once: a second call while logged out is silent). */
  clear(reason: LogoutReason, error?: MajlisError): void {
    const had = this.store.get() !== null;
    this.store.set(null);
    if (had) {
      this.events.emit('logged_out', { reason, error });
    }
  }

  /**
   * Gets a new token pair with the refresh token. `failedToken` is the access token that was
   * refused: if the stored one differs, someone refreshed meanwhile and this resolves at once.
   * Resolves false (after `logged_out`) when the server refuses the refresh; network errors throw.
   */
  refresh(failedToken?: string | null): Promise<boolean> {
    if (this.inflight) {
      return this.inflight;
    }
    const tokens = this.store.get();
    if (!tokens) {
      return Promise.resolve(false);
    }
    if (failedToken && tokens.access_token !== failedToken) {
      return Promise.resolve(true);
    }
    const run = async (): Promise<boolean> => {
      try {
        this.refreshCount += 1;
        const response = await this.http.request<TokenResponse>({ method: 'POST', path: '/api/auth/refresh', json: { refresh_token: tokens.refresh_token } });
        // A logout that happened while the refresh was in flight wins.
        if (this.store.get()?.refresh_token !== tokens.refresh_token) {
          return this.store.get() !== null;
        }
        this.accept(response);
        return true;
      } catch (error) {
        if (error instanceof MajlisError && error.status >= 400 && error.status < 500 && error.status !== 429) {
          this.clear('refresh_failed', error);
          return false;
        }
        throw error;
      }
    };
    this.inflight = run().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  /**
   * Sends a request with the access token; on 401 `invalid_token` refreshes once and retries.
   * A revoked session (401 `session_revoked`) cannot be refreshed: it logs out.
   */
  async request<T>(spec: RequestSpec): Promise<T> {
    const token = this.accessToken();
    try {
      return await this.http.request<T>({ ...spec, token });
    } catch (error) {
      if (!(error instanceof MajlisError) || error.status !== 401 || !token) {
        throw error;
      }
      if (error.code === 'invalid_token') {
        if (await this.refresh(token)) {
          return this.http.request<T>({ ...spec, token: this.accessToken() });
        }
      } else if (error.code === 'session_revoked') {
        this.clear('session_revoked', error);
      }
      throw error;
    }
  }
}
