import type {
  AuthResponse,
  ChangePasswordBody,
  LoginBody,
  RegisterBody,
  RevokedResponse,
  SessionInfo,
  StatusResponse,
  TokenResponse,
  ValidateResponse,
} from '@majlis/protocol';
import type { AuthSession } from '../auth.js';
import { type Http, MajlisError, path } from '../http.js';

/** Register, log in and out, refresh, sessions and password (contract: Auth and sessions). */
export class AuthApi {
  constructor(
    private readonly http: Http,
    private readonly session: AuthSession,
  ) {}

  /** Creates an account and logs in (the tokens are stored). */
  async register(body: RegisterBody): Promise<AuthResponse> {
    const response = await this.http.request<AuthResponse>({ method: 'POST', path: '/api/auth/register', json: body });
    this.session.accept(response);
    return response;
  }

  /** Logs in with `email`, `username` or `identifier` and the password (the tokens are stored). */
  async login(body: LoginBody): Promise<AuthResponse> {
    const response = await this.http.request<AuthResponse>({ method: 'POST', path: '/api/auth/login', json: body });
    this.session.accept(response);
    return response;
  }

  /** Rotates the token pair now (the SDK also does this by itself when the access token expires). */
  async refresh(): Promise<TokenResponse> {
    const tokens = this.session.tokens;
    if (!tokens) {
      throw new MajlisError({ status: 401, code: 'not_authenticated', detail: 'Not logged in.' });
    }
    const response = await this.http.request<TokenResponse>({ method: 'POST', path: '/api/auth/refresh', json: { refresh_token: tokens.refresh_token } });
    this.session.accept(response);
    return response;
  }

  /**
   * Ends this session on the server and forgets the tokens (also when the server call fails).
   * It sends the refresh token, not the access token, so an expired access token is no obstacle.
   */
  async logout(): Promise<StatusResponse> {
    const tokens = this.session.tokens;
    try {
      if (!tokens) {
        return { status: 'logged_out' };
      }
      return await this.http.request<StatusResponse>({ method: 'POST', path: '/api/auth/logout', json: { refresh_token: tokens.refresh_token } });
    } finally {
      this.session.clear('logout');
    }
  }

  /** Ends every session of mine, this one included. */
  async logoutAll(): Promise<RevokedResponse> {
    const response = await this.session.request<RevokedResponse>({ method: 'POST', path: '/api/auth/logout-all' });
    this.session.clear('logout');
    return response;
  }

  /** Who am I, and which session is this. */
  validate(): Promise<ValidateResponse> {
    return this.session.request({ method: 'GET', path: '/api/auth/validate' });
  }

  /** My active sessions, one per device. */
  sessions(): Promise<SessionInfo[]> {
    return this.session.request({ method: 'GET', path: '/api/auth/sessions' });
  }

  /** Ends one session of mine (by its public `id` from `sessions()`). */
  revokeSession(sessionId: string): Promise<StatusResponse> {
    return this.session.request({ method: 'DELETE', path: path`/api/auth/sessions/${sessionId}` });
  }

  /** Changes my password; every other session ends, this one stays. */
  changePassword(body: ChangePasswordBody): Promise<RevokedResponse> {
    return this.session.request({ method: 'POST', path: '/api/auth/change-password', json: body });
  }
}
