import {
  AddedResponse,
  AddParticipantsBody,
  Chat,
  ChatIdResponse,
  ChatMemberParams,
  ChatStatistics,
  CreateDirectBody,
  CreateDirectQuery,
  CreateGroupBody,
  CreateGroupResponse,
  IdParams,
  MuteBody,
  PublicChat,
  PublicChatsQuery,
  StatusResponse,
  UpdateGroupBody,
  UpdateGroupResponse,
} from '@majlis/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { caller } from '../../http/auth.js';
import { isMultipart, readMultipart } from '../../http/multipart.js';
import { invalidField } from '../../http/problem.js';
import { optionalBody, problems } from '../../http/schemas.js';
import type { ChatsService } from './chats.service.js';

const tags = ['chats'];
const member = problems(401, 403, 404);

/** Direct chats, groups, membership, archive and mute. */
export const chatsRoutes: FastifyPluginAsyncTypebox<{ chats: ChatsService }> = async (app, { chats }) => {
  app.get('/api/chats/statistics', {
    config: { auth: 'admin' },
    schema: { tags: ['admin'], summary: 'Chat statistics (admins)', response: { 200: ChatStatistics, ...problems(401, 403) } },
    handler: async () => chats.statistics(),
  });

  app.post('/api/chats/single', {
    schema: {
      tags,
      summary: 'Open the direct chat with a user (by identifier = email or username, or user_id)',
      description: 'Query parameters (FastAPI seed) or a JSON body. 201 when created, 200 with the existing chat. 400 with yourself, 404 unknown user, 403 if either blocked the other.',
      querystring: CreateDirectQuery,
      body: optionalBody(CreateDirectBody),
      response: { 200: ChatIdResponse, 201: ChatIdResponse, ...problems(400, 401, 403, 404) },
    },
    handler: async (request, reply) => {
      const input = { ...request.query, ...(request.body ?? {}) };
      const { chatId, created } = await chats.openDirect(caller(request), input);
      return reply.status(created ? 201 : 200).send({ chat_id: chatId });
    },
  });

  app.post('/api/chats/group', {
    schema: {
      tags,
      summary: 'Create a group (JSON, or multipart with group_image)',
      description:
        'participant_emails: emails or usernames, comma-separated or an array; participant_ids: user ids. Unknown ones are listed in not_found. The creator is the owner.',
      consumes: ['application/json', 'multipart/form-data'],
      body: optionalBody(CreateGroupBody),
      response: { 201: CreateGroupResponse, ...problems(400, 401, 413, 415) },
    },
    handler: async (request, reply) => {
      if (isMultipart(request)) {
        const { fields, file } = await readMultipart<CreateGroupBody>(request, CreateGroupBody, ['group_image']);
        return reply.status(201).send(await chats.createGroup(caller(request), fields, file?.data ?? null));
      }
      if (!request.body) {
        throw invalidField('name', 'is required');
      }
      return reply.status(201).send(await chats.createGroup(caller(request), request.body, null));
    },
  });

  app.get('/api/chats', {
    schema: { tags, summary: 'My chats (not archived), most recent activity first', response: { 200: Type.Array(Chat), ...problems(401) } },
    handler: async (request) => chats.list(caller(request), false),
  });

  app.get('/api/chats/archived', {
    schema: { tags, summary: 'My archived chats', response: { 200: Type.Array(Chat), ...problems(401) } },
    handler: async (request) => chats.list(caller(request), true),
  });

  app.get('/api/chats/public', {
    schema: { tags, summary: 'Public groups to discover (query or q filters by name/description)', querystring: PublicChatsQuery, response: { 200: Type.Array(PublicChat), ...problems(400, 401) } },
    handler: async (request) => chats.publicGroups(caller(request), request.query),
  });

  app.get('/api/chats/:id', {
    schema: { tags, summary: 'One chat (members only)', params: IdParams, response: { 200: Chat, ...member } },
    handler: async (request) => chats.view(request.params.id, caller(request)),
  });

  const simple = (url: string, summary: string, status: string, action: (viewer: ReturnType<typeof caller>, id: string) => Promise<unknown>, codes = member) =>
    app.post(url, {
      schema: { tags, summary, params: IdParams, response: { 200: StatusResponse, ...codes } },
      handler: async (request) => {
        await action(caller(request), request.params.id);
        return { status };
      },
    });

  simple('/api/chats/:id/archive', 'Archive a chat for me', 'archived', (v, id) => chats.setArchived(v, id, true));
  simple('/api/chats/:id/unarchive', 'Unarchive a chat for me', 'unarchived', (v, id) => chats.setArchived(v, id, false));
  simple('/api/chats/:id/join', 'Join a public group', 'joined', (v, id) => chats.join(v, id));
  simple('/api/chats/:id/leave', 'Leave a group (an owner hands ownership to the oldest admin, else the oldest member)', 'left', (v, id) => chats.leave(v, id), problems(400, 401, 403, 404));
  simple('/api/chats/:id/unmute', 'Unmute a chat for me', 'unmuted', (v, id) => chats.setMuted(v, id, null, false));

  app.post('/api/chats/:id/mute', {
    schema: {
      tags,
      summary: 'Mute a chat for me (until a time, for a duration, or until unmuted)',
      params: IdParams,
      body: optionalBody(MuteBody),
      response: { 200: Type.Object({ status: Type.Literal('muted'), muted_until: Type.Union([Type.String(), Type.Null()]) }), ...member },
    },
    handler: async (request) => ({ status: 'muted' as const, muted_until: await chats.setMuted(caller(request), request.params.id, request.body, true) }),
  });

  app.post('/api/chats/:id/participants', {
    schema: {
      tags,
      summary: 'Add members (group owner and admins)',
      description: 'emails: emails or usernames; user_ids also accepted. Existing members are skipped; unknown ones are listed in not_found.',
      params: IdParams,
      body: AddParticipantsBody,
      response: { 200: AddedResponse, ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => chats.addParticipants(caller(request), request.params.id, request.body),
  });

  app.delete('/api/chats/:id/participants/:user_id', {
    schema: {
      tags,
      summary: 'Remove a member (admins remove members, the owner removes admins; the owner cannot be removed; removing yourself = leave)',
      params: ChatMemberParams,
      response: { 200: StatusResponse, ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => {
      await chats.removeParticipant(caller(request), request.params.id, request.params.user_id);
      return { status: 'removed' };
    },
  });

  app.put('/api/chats/:id/group', {
    schema: {
      tags,
      summary: 'Update a group: name, description, is_public, group_image (owner and admins; JSON or multipart)',
      consumes: ['application/json', 'multipart/form-data'],
      params: IdParams,
      body: optionalBody(UpdateGroupBody),
      response: { 200: UpdateGroupResponse, ...problems(400, 401, 403, 404, 413, 415) },
    },
    handler: async (request) => {
      if (isMultipart(request)) {
        const { fields, file } = await readMultipart<UpdateGroupBody>(request, UpdateGroupBody, ['group_image']);
        return chats.updateGroup(caller(request), request.params.id, fields, file?.data ?? null);
      }
      return chats.updateGroup(caller(request), request.params.id, request.body ?? {}, null);
    },
  });

  app.post('/api/chats/:id/admins/:user_id', {
    schema: { tags, summary: 'Make a member an admin (owner and admins)', params: ChatMemberParams, response: { 200: StatusResponse, ...problems(400, 401, 403, 404) } },
    handler: async (request) => {
      await chats.setRole(caller(request), request.params.id, request.params.user_id, 'admin');
      return { status: 'added' };
    },
  });

  app.delete('/api/chats/:id/admins/:user_id', {
    schema: { tags, summary: 'Make an admin a plain member again (owner only)', params: ChatMemberParams, response: { 200: StatusResponse, ...problems(400, 401, 403, 404) } },
    handler: async (request) => {
      await chats.setRole(caller(request), request.params.id, request.params.user_id, 'member');
      return { status: 'removed' };
    },
  });

  app.delete('/api/chats/:id', {
    schema: { tags, summary: 'Delete a group (owner only)', params: IdParams, response: { 200: StatusResponse, ...problems(400, 401, 403, 404) } },
    handler: async (request) => {
      await chats.deleteGroup(caller(request), request.params.id);
      return { status: 'deleted' };
    },
  });
};
