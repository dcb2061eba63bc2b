import { randomUUID } from 'node:crypto';
import accepts from '@fastify/accepts';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Config } from './config/schema.js';
import { installAuth } from './http/auth.js';
import { installErrorHandling } from './http/error-handler.js';
import { installValidation } from './http/validation.js';
import { installWebClient } from './http/web-client.js';
import { installMetrics } from './http/metrics.js';
import { installOpenApi } from './http/openapi.js';
import { AppError } from './http/problem.js';
import { apiKeysRoutes } from './modules/api-keys/api-keys.routes.js';
import { authRoutes } from './modules/auth/auth.routes.js';
import { chatsRoutes } from './modules/chats/chats.routes.js';
import { startEventPruning } from './modules/events/retention.js';
import { filesRoutes } from './modules/files/files.routes.js';
import { messagesRoutes } from './modules/messages/messages.routes.js';
import { healthRoutes } from './modules/health/health.routes.js';
import { uploadsRoutes } from './modules/users/uploads.routes.js';
import { usersRoutes } from './modules/users/users.routes.js';
import { installRealtime } from './realtime/index.js';
import type { Hub } from './realtime/hub.js';
import { buildServices, type AppDeps, type Services } from './services.js';
import type { Storage } from './storage/db.js';

export type { AppDeps, Services } from './services.js';

export interface BuiltApp {
  app: FastifyInstance;
  hub: Hub;
  services: Services;
  storage: Storage;
  config: Config;
}

// Never log credentials: headers that carry them, and ?token= in URLs.
const REDACT = ['req.headers.authorization', 'req.headers["x-session-id"]', 'req.headers["x-api-key"]', 'req.headers.cookie'];

function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|access_token|refresh_token)=)[^&]*/gi, '$1[REDACTED]');
}

export function loggerOptions(config: Config): FastifyServerOptions['logger'] {
  return {
    level: config.LOG_LEVEL,
    redact: { paths: REDACT, censor: '[REDACTED]' },
    serializers: {
      req: (req: { method: string; url: string; ip?: string; headers: Record<string, unknown>; id?: string }) => ({
        method: req.method,
        url: redactUrl(req.url),
        ip: req.ip,
        userAgent: req.headers['user-agent'],
      }),
    },
  };
}

function trustProxy(value: string): boolean | string {
  if (value === 'true') {
    return true;
  }
  return value === 'false' || value === '' ? false : value;
}

/** Builds the whole application without listening: main.ts listens, tests may too. */
export async function buildApp(config: Config, deps: AppDeps = {}): Promise<BuiltApp> {
  const { services, storage, files, clock, ownsStorage } = await buildServices(config, deps);
  const { auth, users, apiKeys, chats, messages } = services;

  const app = Fastify({
    logger: deps.logger ?? loggerOptions(config),
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: trustProxy(config.TRUST_PROXY),
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  installValidation(app);

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  let stopPruning = () => {};
  app.addHook('onReady', async () => {
    stopPruning = startEventPruning(services.events, config.EVENT_RETENTION, clock, app.log);
  });
  app.addHook('onClose', async () => {
    stopPruning();
    if (ownsStorage) {
      await storage.close();
    }
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  installErrorHandling(app, { bodyLimit: config.BODY_LIMIT_BYTES, uploadLimit: config.MAX_UPLOAD_BYTES });
  await app.register(accepts);
  // No upgrade-insecure-requests: a self-hosted server is often reached over plain http on a LAN.
  await app.register(helmet, {
    global: true,
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
  });
  await app.register(cors, {
    origin: config.CORS_ORIGINS.includes('*') ? '*' : config.CORS_ORIGINS,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-API-Key', 'X-Session-ID', 'Idempotency-Key', 'Last-Event-ID', 'Accept-Language', 'X-Request-ID'],
    exposedHeaders: ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After', 'X-Request-ID', 'Location'],
    maxAge: 600,
  });
  installAuth(app, { auth, apiKeys, apiKeyRequired: config.API_KEY_REQUIRED });
  await app.register(rateLimit, {
    global: true,
    max: config.RATE_LIMIT_PER_MINUTE,
    timeWindow: 60_000,
    enableDraftSpec: true,
    keyGenerator: (request) => (request.auth ? `user:${request.auth.id}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) => new AppError('rate_limited', { seconds: Math.max(1, Math.ceil(context.ttl / 1000)) }),
  });
  const authLimiter = app.rateLimit({ max: config.AUTH_RATE_LIMIT_PER_MINUTE, timeWindow: 60_000, keyGenerator: (request) => `auth:${request.ip}` });
  await app.register(multipart, {
    limits: { fileSize: config.MAX_UPLOAD_BYTES, files: 1, fields: 20, fieldSize: 64 * 1024, parts: 25 },
  });
  await installOpenApi(app);
  installMetrics(app);

  await app.register(healthRoutes, { storage, isClosing: () => closing });
  await app.register(authRoutes, { auth, authLimiter });
  await app.register(usersRoutes, { users });
  await app.register(apiKeysRoutes, { apiKeys });
  await app.register(chatsRoutes, { chats });
  await app.register(messagesRoutes, { messages });
  await app.register(filesRoutes, { db: storage.db, files: services.files, urls: services.fileUrls, clock });
  const { hub } = await installRealtime(app, services, storage, config);
  await app.register(uploadsRoutes, { store: files });
  await installWebClient(app);

  return { app, hub, services, storage, config };
}
