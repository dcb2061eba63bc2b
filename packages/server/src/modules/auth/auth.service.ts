import type { AuthResponse, LoginBody, RegisterBody, SessionInfo, TokenResponse, ValidateResponse } from '@majlis/protocol';
import type { Clock } from '../../lib/clock.js';
import { sha256 } from '../../lib/hash.js';
import { newId, newSecret } from '../../lib/ids.js';
import { iso } from '../../lib/time.js';
import { AppError, invalidField } from '../../http/problem.js';
import type { UserRow, UsersRepo } from '../users/users.repo.js';
import type { UsersService } from '../users/users.service.js';
import type { Viewer } from '../users/users.view.js';
import type { LoginThrottle } from './login-throttle.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { SessionRevoker } from './session-revoker.js';
import type { SessionRow, SessionsRepo } from './sessions.repo.js';
import type { AccessTokens } from './tokens.js';

/** Who is calling: resolved from an access token or a session token on every request. */
export interface AuthContext extends Viewer {
  sessionId: string;
}

/** Where a login comes from, kept on the session for the sessions list. */
export interface ClientInfo {
  ip: string;
  userAgent: string | null;
}

export interface AuthDeps {
  sessions: SessionsRepo;
  usersRepo: UsersRepo;
  users: UsersService;
  revoker: SessionRevoker;
  tokens: AccessTokens;
  throttle: LoginThrottle;
  clock: Clock;
  refreshTtlMs: number;
}

// last_used_at is written at most this often per session, not on every request.
const TOUCH_EVERY_MS = 60_000;

/** Logging in and out, sessions, token rotation, and resolving credentials. */
export class AuthService {
  constructor(private readonly deps: AuthDeps) {}

  async register(body: RegisterBody, client: ClientInfo): Promise<AuthResponse> {
    const user = await this.deps.users.create(body);
    return this.startSession(user, client);
  }

  async login(body: LoginBody, client: ClientInfo): Promise<AuthResponse> {
    // The first non-blank of the three: form clients often send the unused ones as "".
    const identifier = [body.identifier, body.email, body.username].map((v) => v?.trim() ?? '').find((v) => v !== '') ?? '';
    if (identifier === '') {
      throw invalidField('email', 'send email, username or identifier');
    }
    const account = identifier.toLowerCase();
    const wait = this.deps.throttle.retryAfter(account, client.ip);
    if (wait > 0) {
      throw new AppError('too_many_login_attempts', { seconds: wait }, { headers: { 'retry-after': String(wait) } });
    }
    const found = await this.deps.usersRepo.findByIdentifier(identifier);
    // Same work and same answer whether the account exists or not.
    const ok = await verifyPassword(found?.password_hash ?? null, body.password);
    if (!found || !ok) {
      this.deps.throttle.recordFailure(account, client.ip);
      throw new AppError('invalid_credentials');
    }
    this.deps.throttle.recordSuccess(account);
    const user = await this.deps.users.applyConfiguredRole(found);
    return this.startSession(user, client);
  }

  private async startSession(user: UserRow, client: ClientInfo): Promise<AuthResponse> {
    const now = this.deps.clock.now();
    const sessionToken = newSecret('mjs_');
    const refreshToken = newSecret('mjr_');
    const expiresAt = now + this.deps.refreshTtlMs;
    const session: SessionRow = {
      id: newId(),
      user_id: user.id,
      token_hash: sha256(sessionToken),
      user_agent: client.userAgent?.slice(0, 512) ?? null,
      ip: client.ip,
      created_at: now,
      last_used_at: now,
      expires_at: expiresAt,
      revoked_at: null,
      revoke_reason: null,
    };
    await this.deps.sessions.create(session, { token_hash: sha256(refreshToken), expires_at: expiresAt });
    return { ...(await this.tokens(user, session.id, refreshToken)), session_id: sessionToken };
  }

  /** Rotates a refresh token. Presenting an already-rotated one ends its session (reuse). */
  async refresh(refreshToken: string): Promise<TokenResponse> {
    const now = this.deps.clock.now();
    const oldHash = sha256(refreshToken);
    const stored = await this.deps.sessions.findRefreshToken(oldHash);
    if (!stored) {
      throw new AppError('invalid_refresh_token');
    }
    const session = await this.deps.sessions.findById(stored.session_id);
    if (!session || session.revoked_at !== null || session.expires_at <= now || stored.expires_at <= now) {
      throw new AppError(session?.revoked_at ? 'session_revoked' : 'invalid_refresh_token');
    }
    if (stored.used_at !== null) {
      await this.deps.revoker.revoke(session.id, 'refresh_token_reused');
      throw new AppError('refresh_token_reused');
    }
    const user = await this.deps.usersRepo.findActiveById(session.user_id);
    if (!user) {
      throw new AppError('invalid_refresh_token');
    }
    const next = newSecret('mjr_');
    const expiresAt = now + this.deps.refreshTtlMs;
    const rotated = await this.deps.sessions.rotate(oldHash, { token_hash: sha256(next), session_id: session.id, expires_at: expiresAt }, now);
    if (!rotated) {
      // Lost a race with another use of the same token: that is reuse too.
      await this.deps.revoker.revoke(session.id, 'refresh_token_reused');
      throw new AppError('refresh_token_reused');
    }
    return this.tokens(user, session.id, next);
  }

  /** A fresh access token for the session, with the refresh token and the user. */
  private async tokens(user: UserRow, sessionId: string, refreshToken: string): Promise<TokenResponse> {
    const viewer: AuthContext = { id: user.id, role: user.role, sessionId };
    return {
      access_token: await this.deps.tokens.sign({ userId: user.id, sessionId }),
      token_type: 'bearer',
      expires_in: this.deps.tokens.ttlSeconds,
      refresh_token: refreshToken,
      refresh_expires_in: Math.floor(this.deps.refreshTtlMs / 1000),
      user: await this.deps.users.presentOne(user, viewer),
    };
  }

  /** Ends the caller's session, or the one a refresh token belongs to. */
  async logout(auth: AuthContext | null, refreshToken: string | undefined): Promise<void> {
    if (refreshToken) {
      const stored = await this.deps.sessions.findRefreshToken(sha256(refreshToken));
      const session = stored ? await this.deps.sessions.findById(stored.session_id) : undefined;
      if (!session || (auth && session.user_id !== auth.id)) {
        throw new AppError('invalid_refresh_token');
      }
      await this.deps.revoker.revoke(session.id, 'logout');
    }
    if (auth) {
      await this.deps.revoker.revoke(auth.sessionId, 'logout');
    } else if (!refreshToken) {
      throw new AppError('not_authenticated');
    }
  }

  logoutAll(auth: AuthContext): Promise<number> {
    return this.deps.revoker.revokeAllOf(auth.id, 'logout_all');
  }

  async validate(auth: AuthContext): Promise<ValidateResponse> {
    const [user, session] = await Promise.all([this.deps.users.require(auth.id), this.deps.sessions.findById(auth.sessionId)]);
    if (!session) {
      throw new AppError('session_revoked');
    }
    return { valid: true, user: await this.deps.users.presentOne(user, auth), session: sessionInfo(session, auth.sessionId) };
  }

  async sessions(auth: AuthContext): Promise<SessionInfo[]> {
    const rows = await this.deps.sessions.listActive(auth.id, this.deps.clock.now());
    return rows.map((row) => sessionInfo(row, auth.sessionId));
  }

  async revokeSession(auth: AuthContext, sessionId: string): Promise<void> {
    const session = await this.deps.sessions.findById(sessionId);
    if (!session || session.user_id !== auth.id || session.revoked_at !== null) {
      throw new AppError('session_not_found');
    }
    await this.deps.revoker.revoke(sessionId, 'revoked_by_user');
  }

  /** Changes the password and ends every other session; returns how many ended. */
  async changePassword(auth: AuthContext, oldPassword: string, newPassword: string): Promise<number> {
    const user = await this.deps.users.require(auth.id);
    if (!(await verifyPassword(user.password_hash, oldPassword))) {
      throw new AppError('incorrect_password');
    }
    await this.deps.usersRepo.update(user.id, { password_hash: await hashPassword(newPassword), updated_at: this.deps.clock.now() });
    return this.deps.revoker.revokeAllOf(user.id, 'password_changed', auth.sessionId);
  }

  /** Resolves an access token (JWT) to its live session and user; throws 401 otherwise. */
  async authenticateAccessToken(token: string): Promise<AuthContext> {
    const claims = await this.deps.tokens.verify(token);
    if (!claims) {
      throw new AppError('invalid_token');
    }
    const session = await this.deps.sessions.findById(claims.sessionId);
    if (!session || session.user_id !== claims.userId) {
      throw new AppError('invalid_token');
    }
    return this.checkSession(session);
  }

  /** Resolves an X-Session-ID session token; throws 401 otherwise. */
  async authenticateSessionToken(token: string): Promise<AuthContext> {
    const session = await this.deps.sessions.findByTokenHash(sha256(token));
    if (!session) {
      throw new AppError('invalid_token');
    }
    return this.checkSession(session);
  }

  private async checkSession(session: SessionRow): Promise<AuthContext> {
    const now = this.deps.clock.now();
    if (session.revoked_at !== null || session.expires_at <= now) {
      throw new AppError('session_revoked');
    }
    const user = await this.deps.usersRepo.findActiveById(session.user_id);
    if (!user) {
      throw new AppError('session_revoked');
    }
    if (now - session.last_used_at > TOUCH_EVERY_MS) {
      await this.deps.sessions.touch(session.id, now, now + this.deps.refreshTtlMs);
    }
    return { id: user.id, role: user.role, sessionId: session.id };
  }
}

function sessionInfo(row: SessionRow, currentId: string): SessionInfo {
  return {
    id: row.id,
    user_agent: row.user_agent,
    ip: row.ip,
    created_at: iso(row.created_at),
    last_used_at: iso(row.last_used_at),
    current: row.id === currentId,
  };
}
