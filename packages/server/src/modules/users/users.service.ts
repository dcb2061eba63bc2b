import type { AdminCreateUserBody, AdminUpdateUserBody, UpdateMeBody, User, UserList, UserStatistics, UserStatus } from '@majlis/protocol';
import type { Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { iso } from '../../lib/time.js';
import { AppError } from '../../http/problem.js';
import type { Presence } from '../../realtime/presence/presence.js';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import type { SessionRevoker } from '../auth/session-revoker.js';
import { emailKey, usernameKey, type UserRow, type UsersRepo } from './users.repo.js';
import { userView, type Viewer } from './users.view.js';
import type { AvatarService } from './avatars.js';

export interface UsersDeps {
  repo: UsersRepo;
  presence: Presence;
  revoker: SessionRevoker;
  avatars: AvatarService;
  clock: Clock;
  adminEmails: readonly string[];
}

export interface NewUser {
  username: string;
  email: string;
  password: string;
  full_name?: string | null | undefined;
  bio?: string | null | undefined;
  role?: 'user' | 'admin' | undefined;
}

const SEARCH_LIMIT = 20;

/** Accounts and profiles: everything about users except logging in. */
export class UsersService {
  private readonly adminEmails: Set<string>;
  constructor(private readonly deps: UsersDeps) {
    this.adminEmails = new Set(deps.adminEmails.map(emailKey));
  }

  /** True if ADMIN_EMAILS names this email. */
  isConfiguredAdmin(email: string | null): boolean {
    return email !== null && this.adminEmails.has(emailKey(email));
  }

  /** Rows → API users for `viewer`, asking presence once for the whole list. */
  async present(rows: UserRow[], viewer: Viewer | null): Promise<User[]> {
    const online = await this.deps.presence.onlineAmong(rows.map((r) => r.id));
    return rows.map((row) => userView(row, viewer, online.has(row.id)));
  }

  async presentOne(row: UserRow, viewer: Viewer | null): Promise<User> {
    const [user] = await this.present([row], viewer);
    return user as User;
  }

  /** A live user or 404. */
  async require(id: string): Promise<UserRow> {
    const row = await this.deps.repo.findActiveById(id);
    if (!row) {
      throw new AppError('user_not_found');
    }
    return row;
  }

  private async assertFree(fields: { username?: string | undefined; email?: string | undefined }, exceptId?: string): Promise<void> {
    if (fields.email !== undefined && (await this.deps.repo.emailTaken(fields.email, exceptId))) {
      throw new AppError('email_taken');
    }
    if (fields.username !== undefined && (await this.deps.repo.usernameTaken(fields.username, exceptId))) {
      throw new AppError('username_taken');
    }
  }

  /** Creates an account (register, admin create, CLI); 409 if the email or username is taken. */
  async create(input: NewUser): Promise<UserRow> {
    await this.assertFree(input);
    const now = this.deps.clock.now();
    const email = input.email.trim();
    const row: UserRow = {
      id: newId(),
      username: input.username,
      username_key: usernameKey(input.username),
      email,
      email_key: emailKey(email),
      password_hash: await hashPassword(input.password),
      full_name: input.full_name?.trim() || null,
      bio: input.bio ?? null,
      profile_image: null,
      role: input.role ?? (this.isConfiguredAdmin(email) ? 'admin' : 'user'),
      last_seen: null,
      created_at: now,
      updated_at: now,
      deleted_at: null,
    };
    try {
      await this.deps.repo.insert(row);
    } catch (error) {
      // Two registrations racing past assertFree: the unique index decides, answer as a conflict.
      await this.assertFree(input);
      throw error;
    }
    return row;
  }

  /** Grants admin to a user whose email ADMIN_EMAILS lists (on login). */
  async applyConfiguredRole(row: UserRow): Promise<UserRow> {
    if (row.role !== 'admin' && this.isConfiguredAdmin(row.email)) {
      await this.deps.repo.update(row.id, { role: 'admin', updated_at: this.deps.clock.now() });
      return { ...row, role: 'admin' };
    }
    return row;
  }

  private async patch(row: UserRow, body: AdminUpdateUserBody): Promise<UserRow> {
    await this.assertFree({ username: body.username, email: body.email }, row.id);
    const patch: Partial<UserRow> = { updated_at: this.deps.clock.now() };
    if (body.username !== undefined) {
      patch.username = body.username;
      patch.username_key = usernameKey(body.username);
    }
    if (body.email !== undefined) {
      patch.email = body.email.trim();
      patch.email_key = emailKey(body.email);
    }
    if (body.full_name !== undefined) {
      patch.full_name = body.full_name?.trim() || null;
    }
    if (body.bio !== undefined) {
      // Blank means none, as for full_name (and a JSON null may arrive coerced to "").
      patch.bio = body.bio?.trim() ? body.bio : null;
    }
    if (body.password !== undefined) {
      patch.password_hash = await hashPassword(body.password);
    }
    if (body.role !== undefined) {
      patch.role = body.role;
    }
    await this.deps.repo.update(row.id, patch);
    return { ...row, ...patch };
  }

  /** PUT/PATCH /users/me: a new password needs the current one and ends the other sessions. */
  async updateMe(viewer: Viewer & { sessionId: string }, body: UpdateMeBody): Promise<User> {
    const row = await this.require(viewer.id);
    if (body.password !== undefined) {
      if (body.current_password === undefined) {
        throw new AppError('current_password_required', {}, { errors: [{ field: 'current_password', message: 'is required with password' }] });
      }
      if (!(await verifyPassword(row.password_hash, body.current_password))) {
        throw new AppError('incorrect_password');
      }
    }
    // Pick the fields a user may change: the body may carry unknown fields (they are not
    // stripped), and `role` must never pass from here into patch().
    const { username, email, full_name, bio, password } = body;
    const updated = await this.patch(row, { username, email, full_name, bio, password });
    if (body.password !== undefined) {
      await this.deps.revoker.revokeAllOf(row.id, 'password_changed', viewer.sessionId);
    }
    return this.presentOne(updated, viewer);
  }

  /** Deletes an account: sessions end, the profile is anonymised, messages stay as "Deleted user". */
  async delete(id: string): Promise<void> {
    const row = await this.require(id);
    const now = this.deps.clock.now();
    await this.deps.revoker.revokeAllOf(id, 'account_deleted');
    await this.deps.repo.update(id, {
      username: 'deleted',
      // ':' can never appear in a real username, so this key frees the name without colliding.
      username_key: `deleted:${id}`,
      email: null,
      email_key: null,
      full_name: 'Deleted user',
      bio: null,
      profile_image: null,
      password_hash: '!',
      role: 'user',
      updated_at: now,
      deleted_at: now,
    });
    if (row.profile_image) {
      await this.deps.avatars.remove(row.profile_image);
    }
  }

  async deleteMe(viewer: Viewer, password: string | undefined): Promise<void> {
    if (password !== undefined) {
      const row = await this.require(viewer.id);
      if (!(await verifyPassword(row.password_hash, password))) {
        throw new AppError('incorrect_password');
      }
    }
    await this.delete(viewer.id);
  }

  async setProfileImage(viewer: Viewer, data: Buffer): Promise<string> {
    const row = await this.require(viewer.id);
    const key = await this.deps.avatars.store(data);
    await this.deps.repo.update(row.id, { profile_image: key, updated_at: this.deps.clock.now() });
    if (row.profile_image) {
      await this.deps.avatars.remove(row.profile_image);
    }
    return `/uploads/${key}`;
  }

  async search(viewer: Viewer, text: string): Promise<User[]> {
    const trimmed = text.trim();
    if (trimmed === '') {
      return [];
    }
    return this.present(await this.deps.repo.search(trimmed, viewer.id, SEARCH_LIMIT), viewer);
  }

  async profile(viewer: Viewer, id: string): Promise<User> {
    return this.presentOne(await this.require(id), viewer);
  }

  async status(id: string): Promise<UserStatus> {
    const row = await this.require(id);
    const online = await this.deps.presence.onlineAmong([id]);
    return { user_id: id, is_online: online.has(id), last_seen: iso(row.last_seen) };
  }

  async touchLastSeen(id: string): Promise<void> {
    await this.deps.repo.update(id, { last_seen: this.deps.clock.now() });
  }

  /** Online users who share a chat with me; admins see everyone online. */
  async online(viewer: Viewer): Promise<User[]> {
    const onlineIds = await this.deps.presence.onlineUserIds();
    let ids = onlineIds.filter((id) => id !== viewer.id);
    if (viewer.role !== 'admin') {
      const contacts = new Set(await this.deps.repo.contactIds(viewer.id));
      ids = ids.filter((id) => contacts.has(id));
    }
    const rows = (await this.deps.repo.findManyByIds(ids)).filter((r) => r.deleted_at === null);
    return this.present(rows, viewer);
  }

  async block(viewer: Viewer, targetId: string): Promise<void> {
    if (targetId === viewer.id) {
      throw new AppError('cannot_block_self');
    }
    await this.require(targetId);
    await this.deps.repo.block(viewer.id, targetId, this.deps.clock.now());
  }

  async unblock(viewer: Viewer, targetId: string): Promise<void> {
    await this.require(targetId);
    await this.deps.repo.unblock(viewer.id, targetId);
  }

  async blocked(viewer: Viewer): Promise<User[]> {
    return this.present(await this.deps.repo.blockedBy(viewer.id), viewer);
  }

  /** True if either user blocked the other (direct chats and messages check this). */
  eitherBlocked(a: string, b: string): Promise<boolean> {
    return this.deps.repo.eitherBlocked(a, b);
  }

  // Admin

  async list(viewer: Viewer, q: { skip?: number | undefined; limit?: number | undefined; query?: string | undefined }): Promise<UserList> {
    const skip = q.skip ?? 0;
    const limit = q.limit ?? 50;
    const { rows, total } = await this.deps.repo.list({ skip, limit, ...(q.query ? { query: q.query.trim() } : {}) });
    return { users: await this.present(rows, viewer), total, skip, limit, has_more: skip + rows.length < total };
  }

  async adminCreate(viewer: Viewer, body: AdminCreateUserBody): Promise<User> {
    return this.presentOne(await this.create(body), viewer);
  }

  async adminUpdate(viewer: Viewer, id: string, body: AdminUpdateUserBody): Promise<User> {
    const row = await this.require(id);
    const updated = await this.patch(row, body);
    if (body.password !== undefined) {
      await this.deps.revoker.revokeAllOf(id, 'password_reset_by_admin');
    }
    return this.presentOne(updated, viewer);
  }

  async statistics(): Promise<UserStatistics> {
    const s = await this.deps.repo.statistics(this.deps.clock.now());
    const online = await this.deps.presence.onlineUserIds();
    return {
      total_users: s.total,
      admins: s.admins,
      online_users: online.length,
      deleted_users: s.deleted,
      new_last_24h: s.new24h,
      new_last_7d: s.new7d,
      active_last_24h: s.active24h,
    };
  }
}
