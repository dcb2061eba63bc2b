import {
  ChatIdParams,
  EditMessageBody,
  ForwardBody,
  ForwardResponse,
  Message,
  MessageEdit,
  MessagePage,
  MessageParams,
  MessagesQuery,
  ReactBody,
  ReactResponse,
  ReadAllResponse,
  SearchQuery,
  SendMessageBody,
  SendMessageQuery,
  StatusResponse,
} from '@majlis/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { caller } from '../../http/auth.js';
import { readMultipart } from '../../http/multipart.js';
import { AppError } from '../../http/problem.js';
import { optionalBody, problems } from '../../http/schemas.js';
import { safeFileName } from '../files/files.service.js';
import type { MessagesService, Sent } from './messages.service.js';

const tags = ['messages'];

const UploadFields = Type.Object({
  content: Type.Optional(Type.String({ maxLength: 10_000, description: 'Caption; defaults to the file name.' })),
  reply_to: Type.Optional(Type.String({ maxLength: 64 })),
  client_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
});
type UploadFields = { content?: string; reply_to?: string; client_id?: string };

const DeleteQuery = Type.Object({
  for: Type.Optional(Type.Union([Type.Literal('everyone'), Type.Literal('me')], { default: 'everyone', description: 'everyone: a tombstone for all; me: hidden for me only.' })),
});

function idempotencyKey(request: FastifyRequest): string | undefined {
  const key = request.headers['idempotency-key'];
  return typeof key === 'string' && key.trim() !== '' ? key.trim().slice(0, 128) : undefined;
}

function sendReply(reply: FastifyReply, sent: Sent) {
  if (sent.replayed) {
    reply.header('idempotent-replayed', 'true');
  }
  return reply.status(201).send(sent.message);
}

/** The messages of a chat, and search across chats. */
export const messagesRoutes: FastifyPluginAsyncTypebox<{ messages: MessagesService }> = async (app, { messages }) => {
  app.get('/api/chats/:id/messages', {
    schema: {
      tags,
      summary: 'A page of messages, oldest → newest',
      description:
        'skip/limit count from the newest message (FastAPI seed): skip=0 is the latest page. before_seq/after_seq are cursors that cost the same at any depth. Fetching marks the messages delivered.',
      params: ChatIdParams,
      querystring: MessagesQuery,
      response: { 200: MessagePage, ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => messages.page(caller(request), request.params.id, request.query),
  });

  app.post('/api/chats/:id/messages', {
    schema: {
      tags,
      summary: 'Send a text message (JSON body, or the FastAPI seed’s query parameters)',
      description:
        'Exactly once: repeating a send with the same client_id (or Idempotency-Key header) returns the original message with `Idempotent-Replayed: true` and creates nothing.',
      params: ChatIdParams,
      querystring: SendMessageQuery,
      body: optionalBody(SendMessageBody),
      response: { 201: Message, ...problems(400, 401, 403, 404) },
    },
    handler: async (request, reply) => {
      const input = { ...request.query, ...(request.body ?? {}) };
      const { content } = input;
      // Blank text is no message: the seed's clients send nothing but whitespace by accident.
      if (content === undefined || content.trim() === '') {
        throw new AppError('content_required', {}, { errors: [{ field: 'content', message: 'is required' }] });
      }
      const clientId = input.client_id ?? idempotencyKey(request);
      const sent = await messages.send(caller(request), request.params.id, { ...input, content, ...(clientId ? { client_id: clientId } : {}) });
      return sendReply(reply, sent);
    },
  });

  app.post('/api/chats/:id/messages/file', {
    schema: {
      tags,
      summary: 'Send a file (multipart: file, and optional content caption, reply_to, client_id)',
      description:
        'Up to MAX_UPLOAD_BYTES. The type is detected from the content: images become `image` (re-encoded without EXIF, with a thumbnail), audio `audio`, video `video`, anything else `file`.',
      consumes: ['multipart/form-data'],
      params: ChatIdParams,
      response: { 201: Message, ...problems(400, 401, 403, 404, 413, 415) },
    },
    handler: async (request, reply) => {
      // Check membership before reading (possibly megabytes of) upload from a stranger.
      await messages.requireMember(caller(request), request.params.id);
      const { fields, file } = await readMultipart<UploadFields>(request, UploadFields, ['file']);
      if (!file) {
        throw new AppError('missing_file');
      }
      const clientId = fields.client_id ?? idempotencyKey(request);
      const sent = await messages.send(
        caller(request),
        request.params.id,
        { content: fields.content?.trim() || null, reply_to: fields.reply_to ?? null, ...(clientId ? { client_id: clientId } : {}) },
        { data: file.data, filename: safeFileName(file.filename) },
      );
      return sendReply(reply, sent);
    },
  });

  app.get('/api/chats/:id/messages/search', {
    schema: {
      tags,
      summary: 'Search this chat (query or q), newest first',
      description: 'Every word must match (as a prefix). Arabic and Persian spellings are folded (see docs/SEARCH.md).',
      params: ChatIdParams,
      querystring: SearchQuery,
      response: { 200: Type.Array(Message), ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => messages.search(caller(request), request.params.id, request.query.query ?? request.query.q ?? '', request.query.limit),
  });

  app.post('/api/chats/:id/messages/read-all', {
    schema: { tags, summary: 'Mark the whole chat read', params: ChatIdParams, response: { 200: ReadAllResponse, ...problems(401, 403, 404) } },
    handler: async (request) => ({ status: 'success' as const, updated_count: await messages.readAll(caller(request), request.params.id) }),
  });

  app.get('/api/chats/:id/messages/:message_id', {
    schema: { tags, summary: 'One message', params: MessageParams, response: { 200: Message, ...problems(401, 403, 404) } },
    handler: async (request) => messages.get(caller(request), request.params.id, request.params.message_id),
  });

  app.put('/api/chats/:id/messages/:message_id', {
    schema: {
      tags,
      summary: 'Edit my text message (the previous text is kept in its history)',
      params: MessageParams,
      body: EditMessageBody,
      response: { 200: Message, ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => {
      if (request.body.content.trim() === '') {
        throw new AppError('content_required', {}, { errors: [{ field: 'content', message: 'must not be blank' }] });
      }
      return messages.edit(caller(request), request.params.id, request.params.message_id, request.body.content);
    },
  });

  app.delete('/api/chats/:id/messages/:message_id', {
    schema: {
      tags,
      summary: 'Delete a message for everyone (the sender, or a group admin), or hide it for me (?for=me, any member)',
      description:
        'for=everyone (default): the message stays as a tombstone (is_deleted: true, content, reactions and file gone). for=me: only I stop seeing it.',
      params: MessageParams,
      querystring: DeleteQuery,
      response: { 200: StatusResponse, ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => {
      await messages.delete(caller(request), request.params.id, request.params.message_id, request.query.for ?? 'everyone');
      return { status: 'deleted' };
    },
  });

  app.get('/api/chats/:id/messages/:message_id/history', {
    schema: { tags, summary: 'Previous versions of an edited message, oldest first', params: MessageParams, response: { 200: Type.Array(MessageEdit), ...problems(401, 403, 404) } },
    handler: async (request) => messages.history(caller(request), request.params.id, request.params.message_id),
  });

  app.post('/api/chats/:id/messages/:message_id/read', {
    schema: { tags, summary: 'Mark this message and everything before it read', params: MessageParams, response: { 200: StatusResponse, ...problems(401, 403, 404) } },
    handler: async (request) => {
      await messages.read(caller(request), request.params.id, request.params.message_id);
      return { status: 'read' };
    },
  });

  app.post('/api/chats/:id/messages/:message_id/react', {
    schema: { tags, summary: 'Toggle my reaction', params: MessageParams, body: ReactBody, response: { 200: ReactResponse, ...problems(400, 401, 403, 404) } },
    handler: async (request) => messages.react(caller(request), request.params.id, request.params.message_id, request.body.emoji),
  });

  app.post('/api/chats/:id/messages/:message_id/forward', {
    schema: {
      tags,
      summary: 'Forward into other chats (I must be a member of every one)',
      params: MessageParams,
      body: ForwardBody,
      response: { 200: ForwardResponse, ...problems(400, 401, 403, 404) },
    },
    handler: async (request) => {
      const sent = await messages.forward(caller(request), request.params.id, request.params.message_id, request.body);
      return { status: 'forwarded' as const, forwarded_to: sent.length, messages: sent };
    },
  });

  app.get('/api/messages/search', {
    schema: { tags, summary: 'Search all my chats (q or query), newest first', querystring: SearchQuery, response: { 200: Type.Array(Message), ...problems(400, 401) } },
    handler: async (request) => messages.search(caller(request), null, request.query.q ?? request.query.query ?? '', request.query.limit),
  });
};
