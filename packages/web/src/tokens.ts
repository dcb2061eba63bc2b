import { LocalStorageTokenStore, type Tokens, type TokenStore } from 'majlis-client';

const KEY = 'majlis.tokens';

/**
 * Where the web client keeps its tokens. By default in sessionStorage: each browser window has
 * its own login (kept across reloads of that window), so two windows can be two people, which
 * is how most people first try a chat server. With "keep me logged in" they go to
 * localStorage instead, shared by every window of the browser; the SDK reads the store before
 * each request, so a refresh made by one window is seen by the others (a refresh token works
 * once: two windows holding separate copies of one would end the session).
 */
export class WindowTokenStore implements TokenStore {
  private readonly window = new LocalStorageTokenStore(KEY, sessionStorage);
  private readonly device = new LocalStorageTokenStore(KEY, localStorage);
  /** Where the tokens of the login under way go (set just before it). */
  private next: 'window' | 'device' | null = null;

  /** The next tokens stored (a login or register) are this window's, or remembered on this device. */
  beginLogin(remember: boolean): void {
    this.next = remember ? 'device' : 'window';
  }

  private where(): 'window' | 'device' | null {
    return this.window.get() ? 'window' : this.device.get() ? 'device' : null;
  }

  get(): Tokens | null {
    return this.window.get() ?? this.device.get();
  }

  set(tokens: Tokens | null): void {
    if (tokens === null) {
      // Logged out: this window's login ends, or the remembered one (every window shares it).
      if (this.where() === 'device') {
        this.device.set(null);
      }
      this.window.set(null);
      return;
    }
    // A login goes where it was asked to; a refresh stays where its tokens were.
    const target = this.next ?? this.where() ?? 'window';
    this.next = null;
    if (target === 'window') {
      this.window.set(tokens);
    } else {
      this.window.set(null);
      this.device.set(tokens);
    }
  }
}
