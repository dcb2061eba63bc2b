import type {
  AdminCreateUserBody,
  AdminUpdateUserBody,
  AdminUserListQuery,
  StatusResponse,
  UpdateMeBody,
  User,
  UserList,
  UserStatistics,
  UserStatus,
} from '@majlis/protocol';
import type { AuthSession } from '../auth.js';
import { path } from '../http.js';
import type { DeleteMeBody, ProfileImageResult } from '../types.js';

/** Admin-only user management (contract: Users, admin row). */
export class UsersAdminApi {
  constructor(private readonly session: AuthSession) {}

  /** All users, newest first. */
  list(query: AdminUserListQuery = {}): Promise<UserList> {
    return this.session.request({ method: 'GET', path: '/api/users', query: { ...query } });
  }

  create(body: AdminCreateUserBody): Promise<User> {
    return this.session.request({ method: 'POST', path: '/api/users', json: body });
  }

  /** Updates any field, the role or the password of a user. */
  update(userId: string, body: AdminUpdateUserBody): Promise<User> {
    return this.session.request({ method: 'PATCH', path: path`/api/users/${userId}`, json: body });
  }

  delete(userId: string): Promise<StatusResponse> {
    return this.session.request({ method: 'DELETE', path: path`/api/users/${userId}` });
  }

  statistics(): Promise<UserStatistics> {
    return this.session.request({ method: 'GET', path: '/api/users/statistics' });
  }
}

/** Profiles, search, presence and blocks (contract: Users). */
export class UsersApi {
  readonly admin: UsersAdminApi;

  constructor(private readonly session: AuthSession) {
    this.admin = new UsersAdminApi(session);
  }

  me(): Promise<User> {
    return this.session.request({ method: 'GET', path: '/api/users/me' });
  }

  /** Updates my profile; a new `password` needs `current_password`. */
  updateMe(body: UpdateMeBody): Promise<User> {
    return this.session.request({ method: 'PATCH', path: '/api/users/me', json: body });
  }

  /** Deletes my account: every session ends, so the tokens are forgotten too. */
  async deleteMe(body: DeleteMeBody = {}): Promise<StatusResponse> {
    const response = await this.session.request<StatusResponse>({ method: 'DELETE', path: '/api/users/me', json: body });
    this.session.clear('account_deleted');
    return response;
  }

  /** Uploads my profile image (any image ≤ 10 MB; the server checks the content). */
  uploadProfileImage(file: Blob, filename = 'avatar'): Promise<ProfileImageResult> {
    const form = new FormData();
    form.append('file', file, filename);
    return this.session.request({ method: 'POST', path: '/api/users/me/profile-image', form });
  }

  /** At most 20 users matching a username, full name or exact email. */
  search(query: string): Promise<User[]> {
    return this.session.request({ method: 'GET', path: '/api/users/search', query: { query } });
  }

  get(userId: string): Promise<User> {
    return this.session.request({ method: 'GET', path: path`/api/users/${userId}` });
  }

  status(userId: string): Promise<UserStatus> {
    return this.session.request({ method: 'GET', path: path`/api/users/${userId}/status` });
  }

  /** Sets my last_seen to now. */
  touchLastSeen(): Promise<StatusResponse> {
    return this.session.request({ method: 'POST', path: '/api/users/me/last-seen' });
  }

  /** Online users who share a chat with me (admins: everyone online). */
  online(): Promise<User[]> {
    return this.session.request({ method: 'GET', path: '/api/users/online' });
  }

  block(userId: string): Promise<StatusResponse> {
    return this.session.request({ method: 'POST', path: path`/api/users/${userId}/block` });
  }

  unblock(userId: string): Promise<StatusResponse> {
    return this.session.request({ method: 'DELETE', path: path`/api/users/${userId}/block` });
  }

  /** Users I blocked. */
  blocked(): Promise<User[]> {
    return this.session.request({ method: 'GET', path: '/api/users/me/blocked' });
  }
}
