import { join, resolve } from 'node:path';
import type { FastifyServerOptions } from 'fastify';
import type { Config } from './config/schema.js';
import { systemClock, type Clock } from './lib/clock.js';
import { loadOrCreateSecret } from './lib/secrets.js';
import { ApiKeysRepo } from './modules/api-keys/api-keys.repo.js';
import { ApiKeysService } from './modules/api-keys/api-keys.service.js';
import { AuthService } from './modules/auth/auth.service.js';
import { LoginThrottle } from './modules/auth/login-throttle.js';
import { SessionRevoker } from './modules/auth/session-revoker.js';
import { SessionsRepo } from './modules/auth/sessions.repo.js';
import { AccessTokens } from './modules/auth/tokens.js';
import { ChatsService } from './modules/chats/chats.service.js';
import { ChatViews } from './modules/chats/chats.view.js';
import { EventsRepo } from './modules/events/events.repo.js';
import { Outbox } from './modules/events/outbox.js';
import { FileUrls } from './modules/files/file-urls.js';
import { FilesService } from './modules/files/files.service.js';
import { MessagesService } from './modules/messages/messages.service.js';
import { MessageViews } from './modules/messages/messages.view.js';
import { type Bus, MemoryBus } from './realtime/bus/bus.js';
import { AvatarService } from './modules/users/avatars.js';
import { UsersRepo } from './modules/users/users.repo.js';
import { UsersService } from './modules/users/users.service.js';
import { MemoryPresence, type Presence } from './realtime/presence/presence.js';
import { migrateToLatest, openDatabase, type Storage } from './storage/db.js';
import { LocalFileStore, type FileStore } from './storage/files/file-store.js';

/** What the app is built from besides config; tests pass their own clock or storage. */
export interface AppDeps {
  clock?: Clock;
  storage?: Storage;
  presence?: Presence;
  bus?: Bus;
  files?: FileStore;
  /** PostgreSQL schema for this app's tables (tests isolate themselves with it). */
  pgSchema?: string;
  /** Called with the SQL of every query (tests count queries). */
  onQuery?: (sql: string) => void;
  logger?: FastifyServerOptions['logger'];
}

export interface Services {
  auth: AuthService;
  users: UsersService;
  apiKeys: ApiKeysService;
  chats: ChatsService;
  messages: MessagesService;
  files: FilesService;
  fileUrls: FileUrls;
  events: EventsRepo;
  bus: Bus;
  outbox: Outbox;
  clock: Clock;
  revoker: SessionRevoker;
  presence: Presence;
}

export interface Wired {
  services: Services;
  storage: Storage;
  files: FileStore;
  clock: Clock;
  /** True when this wiring opened the storage (and so must close it). */
  ownsStorage: boolean;
}

/**
 * Opens storage (migrating it to the newest schema) and wires every service. Shared by the HTTP
 * app and the CLI, so both run the same rules.
 */
export async function buildServices(config: Config, deps: AppDeps = {}): Promise<Wired> {
  const clock = deps.clock ?? systemClock;
  const dataDir = resolve(config.DATA_DIR);
  const storage =
    deps.storage ??
    openDatabase({
      url: config.DATABASE_URL,
      dataDir,
      poolSize: config.DATABASE_POOL_SIZE,
      ...(deps.pgSchema ? { pgSchema: deps.pgSchema } : {}),
      ...(deps.onQuery ? { onQuery: deps.onQuery } : {}),
    });
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
  const bus = deps.bus ?? new MemoryBus();
  const outbox = new Outbox(storage.db, bus, clock);
  const fileUrls = new FileUrls(secret, config.FILE_URL_TTL, clock);
  const filesService = new FilesService(files);
  const messageViews = new MessageViews(fileUrls);
  const chats = new ChatsService({
    db: storage.db,
    outbox,
    users,
    images: new AvatarService(files),
    views: new ChatViews(users, () => clock.now()),
    messageViews,
    clock,
  });
  const messages = new MessagesService({ db: storage.db, outbox, views: messageViews, files: filesService, users, clock });
  const events = new EventsRepo(storage.db);
  return {
    services: { auth, users, apiKeys, chats, messages, files: filesService, fileUrls, events, bus, outbox, clock, revoker, presence }, storage, files, clock, ownsStorage: !deps.storage };
}
