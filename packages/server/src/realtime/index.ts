import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/schema.js';
import { requireChatMember } from '../modules/chats/access.js';
import { ChatsRepo } from '../modules/chats/chats.repo.js';
import type { Services } from '../services.js';
import type { Storage } from '../storage/db.js';
import { DeliveryTracker } from './delivery.js';
import { Hub } from './hub.js';
import { Replayer } from './replay.js';
import { Sessions } from './session.js';
import { streamRoutes } from './stream.routes.js';
import { attachNativeWebSockets } from './transports/native.js';
import { attachSocketIo } from './transports/socketio.js';
import { Typing } from './typing.js';
import { CLOSE } from './wire.js';

const MAX_FRAME_BYTES = 64 * 1024;
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const HEARTBEAT_MS = 30_000;

/** Everything real-time: the hub, WebSockets, Socket.io, SSE and long poll, wired to the services. */
export async function installRealtime(app: FastifyInstance, services: Services, storage: Storage, config: Config): Promise<{ hub: Hub }> {
  const db = storage.db;
  const delivery = new DeliveryTracker(services.outbox, app.log);
  const hub = new Hub({
    db,
    bus: services.bus,
    presence: services.presence,
    clock: services.clock,
    log: app.log,
    onDelivered: (chatId, userId, seq, messageId) => delivery.mark(chatId, userId, seq, messageId),
    maxBufferedBytes: MAX_BUFFERED_BYTES,
  });
  const replayer = new Replayer(db, hub);
  const typing = new Typing(hub, () => services.clock.now());
  const sessions = new Sessions(hub, replayer, { messages: services.messages, replayer, typing }, app.log);
  const stopRevocations = services.revoker.onRevoked((ids, reason) => hub.closeSessions(ids, reason));

  const native = attachNativeWebSockets(app, {
    sessions,
    auth: services.auth,
    apiKeys: services.apiKeys,
    apiKeyRequired: config.API_KEY_REQUIRED,
    requireMember: (chatId, userId) => requireChatMember(db, chatId, userId),
    maxPayload: MAX_FRAME_BYTES,
    heartbeatMs: HEARTBEAT_MS,
  });
  const socketIo = attachSocketIo(app, {
    sessions,
    auth: services.auth,
    apiKeys: services.apiKeys,
    chats: services.chats,
    apiKeyRequired: config.API_KEY_REQUIRED,
    corsOrigins: config.CORS_ORIGINS,
    maxPayload: MAX_FRAME_BYTES,
    isMember: async (chatId, userId) => (await new ChatsRepo(db).member(chatId, userId)) !== undefined,
  });
  await app.register(streamRoutes, { db, hub, replayer, sessions });

  // Drain: tell every client we are going away (1001), then stop the moving parts. Connections are
  // unregistered (presence, last_seen) and receipts flushed here, before storage closes in onClose
  // (the app's onClose that closes storage runs before this module's).
  app.addHook('preClose', async () => {
    const closing = hub.closeAll(CLOSE.goingAway, 'server shutting down');
    native.close();
    await socketIo.close();
    await Promise.all(closing.map((conn) => sessions.close(conn)));
    typing.stop();
    await delivery.stop();
  });
  app.addHook('onClose', async () => {
    stopRevocations();
    typing.stop();
    hub.stop();
  });
  return { hub };
}
