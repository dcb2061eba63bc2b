import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
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
import { installMetrics } from './http/metrics.js';
import { installOpenApi } from './http/openapi.js';
import { AppError } from './http/problem.js';
import { systemClock, type Clock } from './lib/clock.js';
import { loadOrCreateSecret } from './lib/secrets.js';
import { ApiKeysRepo } from './modules/api-keys/api-keys.repo.js';
import { apiKeysRoutes } from './modules/api-keys/api-keys.routes.js';
import { ApiKeysService } from './modules/api-keys/api-keys.service.js';
import { authRoutes } from './modules/auth/auth.routes.js';
import { AuthService } from './modules/auth/auth.service.js';
import { LoginThrottle } from './modules/auth/login-throttle.js';
import { SessionRevoker } from './modules/auth/session-revoker.js';
import { SessionsRepo } from './modules/auth/sessions.repo.js';
import { AccessTokens } from './modules/auth/tokens.js';
import { healthRoutes } from './modules/health/health.routes.js';
import { AvatarService } from './modules/users/avatars.js';
import { uploadsRoutes } from './modules/users/uploads.routes.js';
import { UsersRepo } from './modules/users/users.repo.js';
import { usersRoutes } from './modules/users/users.routes.js';
import { UsersService } from './modules/users/users.service.js';
import { MemoryPresence, type Presence } from './realtime/presence/presence.js';
import { migrateToLatest, openDatabase, type Storage } from './storage/db.js';
import { LocalFileStore, type FileStore } from './storage/files/file-store.js';

/** What the app is built from besides config; tests pass their own clock or storage. */
export interface AppDeps {
  clock?: Clock;
  storage?: Storage;
  presence?: Presence;
  files?: FileStore;
  /** PostgreSQL schema for this app's tables (tests isolate themselves with it). */
  pgSchema?: string;
  logger?: FastifyServerOptions['logger'];
}

export interface Services {
  auth: AuthService;
  users: UsersService;
  apiKeys: ApiKeysService;
  revoker: SessionRevoker;
  presence: Presence;
}

export interface BuiltApp {
  app: FastifyInstance;
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
  const clock = deps.clock ?? systemClock;
  const dataDir = resolve(config.DATA_DIR);
  const storage =
    deps.storage ??
    openDatabase({ url: config.DATABASE_URL, dataDir, poolSize: config.DATABASE_POOL_SIZE, ...(deps.pgSchema ? { pgSchema: deps.pgSchema } : {}) });
  await migrateToLatest(storage.db);

  const files = deps.files ?? new LocalFileStore(join(dataDir, 'uploads'));
  const presence = deps.presence ?? new MemoryPresence();
  const secret = loadOrCreateSecret(config.JWT_SECRET, dataDir, 'jwt-secret');

  const sessionsRepo = new SessionsRepo(storage.db);
  const usersRepo = new UsersRepo(storage.db);
  const revoker = new SessionRevoker(sessionsRepo, clock);
  const users = new UsersService({ repo: usersRepo, presence, revoker, avatars: new AvatarService(files), clock, adminEmails: config.ADMIN_EMAILS });
  const auth = new AuthService({
    sessions: sessionsRepo,
    usersRepo,
    users,
    revoker,
    tokens: new AccessTokens(secret, config.ACCESS_TOKEN_TTL, clock),
    throttle: new LoginThrottle(config.LOGIN_MAX_FAILURES, clock),
    clock,
    refreshTtlMs: config.REFRESH_TOKEN_TTL,
  });
  const apiKeys = new ApiKeysService(new ApiKeysRepo(storage.db), clock);
  const services: Services = { auth, users, apiKeys, revoker, presence };

  const app = Fastify({
    logger: deps.logger ?? loggerOptions(config),
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: trustProxy(config.TRUST_PROXY),
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true } },
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onClose', async () => {
    if (!deps.storage) {
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
  await app.register(multipart, {
    limits: { fileSize: config.MAX_UPLOAD_BYTES, files: 1, fields: 20, fieldSize: 64 * 1024, parts: 25 },
  });
  await installOpenApi(app);
  installMetrics(app);

  await app.register(healthRoutes, { storage, isClosing: () => closing });
  await app.register(authRoutes, { auth, authRateLimitPerMinute: config.AUTH_RATE_LIMIT_PER_MINUTE });
  await app.register(usersRoutes, { users });
  await app.register(apiKeysRoutes, { apiKeys });
  await app.register(uploadsRoutes, { store: files });

  return { app, services, storage, config };
}
