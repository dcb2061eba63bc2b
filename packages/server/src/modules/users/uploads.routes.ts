import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../http/problem.js';
import { problems } from '../../http/schemas.js';
import type { FileStore } from '../../storage/files/file-store.js';

const AVATAR_NAME = '^[0-9a-f-]{36}\\.webp$';

/**
 * Profile images. Their names are random UUIDs and they are re-encoded WebP, so they are served
 * to anyone holding the URL, cached forever (a new upload gets a new name). Chat files, which are
 * private, are served through signed, expiring URLs instead.
 */
export const uploadsRoutes: FastifyPluginAsyncTypebox<{ store: FileStore }> = async (app, { store }) => {
  app.get('/uploads/avatars/:name', {
    config: { auth: 'none' },
    schema: {
      tags: ['users'],
      summary: 'A profile image',
      params: Type.Object({ name: Type.String({ pattern: AVATAR_NAME }) }),
      response: { 200: Type.Any({ description: 'image/webp' }), ...problems(404) },
    },
    handler: async (request, reply) => {
      const file = await store.open(`avatars/${request.params.name}`);
      if (!file) {
        throw new AppError('file_not_found');
      }
      return reply
        .type('image/webp')
        .header('content-length', file.size)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('content-disposition', 'inline')
        .send(file.stream);
    },
  });
};
