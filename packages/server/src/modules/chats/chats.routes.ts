import { ChatStatistics } from '@majlis/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../http/schemas.js';
import type { ChatsService } from './chats.service.js';

/** Chat routes. (So far: the admin statistics; the messaging surface lands with the chats work.) */
export const chatsRoutes: FastifyPluginAsyncTypebox<{ chats: ChatsService }> = async (app, { chats }) => {
  app.get('/api/chats/statistics', {
    config: { auth: 'admin' },
    schema: { tags: ['admin'], summary: 'Chat statistics (admins)', response: { 200: ChatStatistics, ...problems(401, 403) } },
    handler: async () => chats.statistics(),
  });
};
