import {
  AdminCreateUserBody,
  AdminUpdateUserBody,
  AdminUserListQuery,
  DeleteMeBody,
  IdParams,
  ProfileImageResponse,
  StatusResponse,
  UpdateMeBody,
  User,
  UserList,
  UserSearchQuery,
  UserStatistics,
  UserStatus,
} from '@majlis/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { caller } from '../../http/auth.js';
import { AppError } from '../../http/problem.js';
import { optionalBody, problems } from '../../http/schemas.js';
import type { UsersService } from './users.service.js';

export interface UsersRoutesOptions {
  users: UsersService;
}

const tags = ['users'];
const adminTags = ['admin'];
const admin = { auth: 'admin' as const };

/** Profiles, search, presence, blocks, and the admin user APIs. */
export const usersRoutes: FastifyPluginAsyncTypebox<UsersRoutesOptions> = async (app, { users }) => {
  app.get('/api/users/me', {
    schema: { tags, summary: 'My profile', response: { 200: User, ...problems(401) } },
    handler: async (request) => users.profile(caller(request), caller(request).id),
  });

  for (const method of ['PUT', 'PATCH'] as const) {
    app.route({
      method,
      url: '/api/users/me',
      schema: {
        tags,
        summary: 'Update my profile',
        description: 'Only the fields sent change. A new `password` needs `current_password` and ends my other sessions.',
        body: UpdateMeBody,
        response: { 200: User, ...problems(400, 401, 409) },
      },
      handler: async (request) => users.updateMe(caller(request), request.body),
    });
  }

  app.delete('/api/users/me', {
    schema: {
      tags,
      summary: 'Delete my account',
      description: 'Every session ends; the profile is anonymised; my messages stay, shown as from "Deleted user". If `password` is sent it must be right.',
      body: optionalBody(DeleteMeBody),
      response: { 200: StatusResponse, ...problems(400, 401) },
    },
    handler: async (request) => {
      await users.deleteMe(caller(request), request.body?.password);
      return { status: 'deleted' };
    },
  });

  app.post('/api/users/me/profile-image', {
    schema: {
      tags,
      summary: 'Upload my profile image (multipart field "file")',
      description: 'An image up to MAX_UPLOAD_BYTES (10 MB), recognised by its content (JPEG, PNG, WebP, GIF, AVIF, TIFF, BMP; not SVG), re-encoded to a 512×512 WebP without EXIF.',
      consumes: ['multipart/form-data'],
      response: { 200: ProfileImageResponse, ...problems(400, 401, 413, 415) },
    },
    handler: async (request) => {
      const part = await request.file();
      if (part?.type !== 'file') {
        throw new AppError('missing_file');
      }
      const data = await part.toBuffer();
      return { profile_image: await users.setProfileImage(caller(request), data) };
    },
  });

  app.get('/api/users/search', {
    schema: {
      tags,
      summary: 'Find users by username, full name or exact email (at most 20)',
      querystring: UserSearchQuery,
      response: { 200: Type.Array(User), ...problems(400, 401) },
    },
    handler: async (request) => {
      const text = request.query.query ?? request.query.q;
      if (text === undefined) {
        throw new AppError('validation_failed', {}, { errors: [{ field: 'querystring.query', message: 'send query or q' }] });
      }
      return users.search(caller(request), text);
    },
  });

  app.get('/api/users/online', {
    schema: { tags, summary: 'Online users who share a chat with me (admins: everyone online)', response: { 200: Type.Array(User), ...problems(401) } },
    handler: async (request) => users.online(caller(request)),
  });

  app.post('/api/users/me/last-seen', {
    schema: { tags, summary: 'Set my last_seen to now', response: { 200: StatusResponse, ...problems(401) } },
    handler: async (request) => {
      await users.touchLastSeen(caller(request).id);
      return { status: 'updated' };
    },
  });

  app.get('/api/users/me/blocked', {
    schema: { tags, summary: 'Users I blocked', response: { 200: Type.Array(User), ...problems(401) } },
    handler: async (request) => users.blocked(caller(request)),
  });

  app.get('/api/users/:id', {
    schema: { tags, summary: 'A public profile', params: IdParams, response: { 200: User, ...problems(401, 404) } },
    handler: async (request) => users.profile(caller(request), request.params.id),
  });

  app.get('/api/users/:id/status', {
    schema: { tags, summary: 'Online status and last seen', params: IdParams, response: { 200: UserStatus, ...problems(401, 404) } },
    handler: async (request) => users.status(request.params.id),
  });

  app.post('/api/users/:id/block', {
    schema: {
      tags,
      summary: 'Block a user',
      description: 'A blocked user cannot open a direct chat with me nor message me in one.',
      params: IdParams,
      response: { 200: StatusResponse, ...problems(400, 401, 404) },
    },
    handler: async (request) => {
      await users.block(caller(request), request.params.id);
      return { status: 'blocked' };
    },
  });

  app.delete('/api/users/:id/block', {
    schema: { tags, summary: 'Unblock a user', params: IdParams, response: { 200: StatusResponse, ...problems(401, 404) } },
    handler: async (request) => {
      await users.unblock(caller(request), request.params.id);
      return { status: 'unblocked' };
    },
  });

  // Admin

  app.get('/api/users', {
    config: admin,
    schema: { tags: adminTags, summary: 'All users, newest first (admins)', querystring: AdminUserListQuery, response: { 200: UserList, ...problems(401, 403) } },
    handler: async (request) => users.list(caller(request), request.query),
  });

  app.post('/api/users', {
    config: admin,
    schema: { tags: adminTags, summary: 'Create a user (admins)', body: AdminCreateUserBody, response: { 201: User, ...problems(400, 401, 403, 409) } },
    handler: async (request, reply) => reply.status(201).send(await users.adminCreate(caller(request), request.body)),
  });

  for (const method of ['PUT', 'PATCH'] as const) {
    app.route({
      method,
      url: '/api/users/:id',
      config: admin,
      schema: {
        tags: adminTags,
        summary: 'Update a user, their role or password (admins)',
        description: 'A new password ends all of that user\'s sessions.',
        params: IdParams,
        body: AdminUpdateUserBody,
        response: { 200: User, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (request) => users.adminUpdate(caller(request), request.params.id, request.body),
    });
  }

  app.delete('/api/users/:id', {
    config: admin,
    schema: { tags: adminTags, summary: 'Delete a user (admins)', params: IdParams, response: { 200: StatusResponse, ...problems(401, 403, 404) } },
    handler: async (request) => {
      await users.delete(request.params.id);
      return { status: 'deleted' };
    },
  });

  app.get('/api/users/statistics', {
    config: admin,
    schema: { tags: adminTags, summary: 'User statistics (admins)', response: { 200: UserStatistics, ...problems(401, 403) } },
    handler: async () => users.statistics(),
  });
};
