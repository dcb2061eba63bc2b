import { ApiKey, ApiKeyCreated, CreateApiKeyBody, IdParams } from '@majlis/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { caller } from '../../http/auth.js';
import { problems } from '../../http/schemas.js';
import type { ApiKeysService } from './api-keys.service.js';

const tags = ['admin'];
const config = { auth: 'admin' as const };

/** Admin API for application keys (also `majlis api-key ...`). */
export const apiKeysRoutes: FastifyPluginAsyncTypebox<{ apiKeys: ApiKeysService }> = async (app, { apiKeys }) => {
  app.post('/api/admin/api-keys', {
    config,
    schema: {
      tags,
      summary: 'Create an application API key (shown once)',
      body: CreateApiKeyBody,
      response: { 201: ApiKeyCreated, ...problems(400, 401, 403) },
    },
    handler: async (request, reply) => reply.status(201).send(await apiKeys.create(request.body.name, caller(request).id)),
  });

  app.get('/api/admin/api-keys', {
    config,
    schema: { tags, summary: 'All application API keys (without the keys)', response: { 200: Type.Array(ApiKey), ...problems(401, 403) } },
    handler: async () => apiKeys.list(),
  });

  app.delete('/api/admin/api-keys/:id', {
    config,
    schema: { tags, summary: 'Revoke an application API key', params: IdParams, response: { 200: ApiKey, ...problems(401, 403, 404) } },
    handler: async (request) => apiKeys.revoke(request.params.id),
  });
};
