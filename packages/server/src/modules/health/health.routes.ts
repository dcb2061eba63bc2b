import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../http/problem.js';
import { problems } from '../../http/schemas.js';
import { ping, type Storage } from '../../storage/db.js';

const tags = ['operations'];
const open = { auth: 'none' as const, rateLimit: false as const };

/** Liveness and readiness for load balancers and orchestrators. */
export const healthRoutes: FastifyPluginAsyncTypebox<{ storage: Storage; isClosing: () => boolean }> = async (app, { storage, isClosing }) => {
  app.get('/healthz', {
    config: open,
    schema: { tags, summary: 'The process is alive', response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
    handler: async () => ({ status: 'ok' as const }),
  });

  app.get('/readyz', {
    config: open,
    schema: {
      tags,
      summary: 'Ready for traffic: the database answers and the process is not shutting down',
      response: { 200: Type.Object({ status: Type.Literal('ok'), database: Type.String() }), ...problems(503) },
    },
    handler: async () => {
      if (isClosing()) {
        throw new AppError('not_ready', { reason: 'shutting down' });
      }
      if (!(await ping(storage.db))) {
        throw new AppError('not_ready', { reason: `${storage.dialect} is not reachable` });
      }
      return { status: 'ok' as const, database: storage.dialect };
    },
  });
};
