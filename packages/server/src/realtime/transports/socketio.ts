import type { FastifyInstance } from 'fastify';
import { Server, type Socket } from 'socket.io';
import { newId } from '../../lib/ids.js';
import type { ApiKeysService } from '../../modules/api-keys/api-keys.service.js';
import type { AuthContext, AuthService } from '../../modules/auth/auth.service.js';
import type { ChatsService } from '../../modules/chats/chats.service.js';
import { newConnection } from '../connection.js';
import type { Sessions } from '../session.js';
import { eventObject, parseCursor } from '../wire.js';
import { languageOfRaw, sessionTokenOf, tokenOf } from './handshake.js';

export interface SocketIoDeps {
  sessions: Sessions;
  auth: AuthService;
  apiKeys: ApiKeysService;
  chats: ChatsService;
  apiKeyRequired: boolean;
  corsOrigins: readonly string[];
  maxPayload: number;
  /** Whether `chatId` is a chat of `userId` (for `join` by chat id). */
  isMember: (chatId: string, userId: string) => Promise<boolean>;
}

const COMMANDS = new Set(['typing', 'read', 'send', 'ping', 'resume']);

/**
 * Socket.io on the same port at /socket.io/ (node seed): the same events under the same names,
 * plus the seed's `join` (a chat id, or a user id meaning the direct chat with that user) and
 * `chat message` ({receiver | chat_id, content}) both ways.
 */
export function attachSocketIo(app: FastifyInstance, deps: SocketIoDeps): { close(): Promise<void> } {
  const io = new Server(app.server, {
    path: '/socket.io/',
    serveClient: false,
    // Other upgrade paths (/ws) belong to the native endpoint: do not destroy them.
    destroyUpgrade: false,
    maxHttpBufferSize: deps.maxPayload,
    cors: { origin: deps.corsOrigins.includes('*') ? '*' : [...deps.corsOrigins] },
  });

  io.use((socket, next) => {
    const req = socket.request;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const authData = (socket.handshake.auth ?? {}) as { token?: unknown; api_key?: unknown };
    const run = async (): Promise<AuthContext> => {
      if (deps.apiKeyRequired) {
        const key = authData.api_key ?? req.headers['x-api-key'];
        if (typeof key !== 'string' || !(await deps.apiKeys.verify(key))) {
          throw new Error('api_key_invalid');
        }
      }
      const token = tokenOf(req, url, authData.token);
      if (token) {
        return deps.auth.authenticateAccessToken(token);
      }
      const sessionToken = sessionTokenOf(req);
      if (sessionToken) {
        return deps.auth.authenticateSessionToken(sessionToken);
      }
      throw new Error('not_authenticated');
    };
    run().then(
      (auth) => {
        socket.data.auth = auth;
        next();
      },
      (error: unknown) => {
        const code = error instanceof Error && /^[a-z_]+$/.test(error.message) ? error.message : 'invalid_token';
        next(Object.assign(new Error('unauthorized'), { data: { code: 4401, reason: code } }));
      },
    );
  });

  io.on('connection', (socket: Socket) => {
    const auth = socket.data.auth as AuthContext;
    const conn = newConnection({
      transport: 'socketio',
      auth,
      deliverEvent: (event) => {
        const body = eventObject(event);
        socket.emit(event.type, body);
        if (event.type === 'new_message' && event.chat_id) {
          const message = event.payload.message as { sender_id: string | null; content: string | null };
          if (message.sender_id !== auth.id) {
            // The node seed's clients listen for "chat message" {sender, receiver, content}.
            socket.emit('chat message', { sender: message.sender_id, receiver: auth.id, content: message.content, chat_id: event.chat_id, message });
          }
        }
      },
      sendObject: (type, body) => socket.emit(type, { type, ...body }),
      // engine.io queues packets, not bytes: count each as 1 KiB for the slow-consumer bound.
      bufferedBytes: () => ((socket.conn as unknown as { writeBuffer?: unknown[] }).writeBuffer?.length ?? 0) * 1024,
      close: (code, reason) => {
        socket.emit('close', { code, reason });
        socket.disconnect(true);
      },
    });
    const lang = languageOfRaw(socket.request);

    socket.onAny((event: string, ...args: unknown[]) => {
      const ack = typeof args.at(-1) === 'function' ? (args.pop() as (reply: unknown) => void) : null;
      const body = args[0] && typeof args[0] === 'object' ? (args[0] as Record<string, unknown>) : {};
      if (COMMANDS.has(event)) {
        deps.sessions.frame(conn, { ...body, type: event });
        ack?.({ ok: true });
        return;
      }
      if (event === 'join') {
        void join(args[0]).then((chatId) => ack?.(chatId ? { ok: true, chat_id: chatId } : { ok: false }));
        return;
      }
      if (event === 'chat message') {
        void chatMessage(body).then(ack ?? (() => {}));
      }
    });

    // `join` takes a chat id of mine, or a user id: the direct chat with that user (opened if new).
    const join = async (target: unknown): Promise<string | null> => {
      const id = typeof target === 'string' ? target : typeof target === 'object' && target ? String((target as { chat_id?: unknown }).chat_id ?? '') : '';
      if (!id) {
        return null;
      }
      if (await deps.isMember(id, auth.id)) {
        conn.joined.add(id);
        return id;
      }
      try {
        const { chatId } = await deps.chats.openDirect(auth, { user_id: id });
        conn.joined.add(chatId);
        return chatId;
      } catch {
        return null;
      }
    };

    const chatMessage = async (body: Record<string, unknown>): Promise<unknown> => {
      const content = typeof body.content === 'string' ? body.content : '';
      let chatId = typeof body.chat_id === 'string' ? body.chat_id : null;
      if (!chatId && typeof body.receiver === 'string') {
        chatId = await join(body.receiver);
      }
      if (!chatId) {
        socket.emit('error', { type: 'error', code: 'chat_not_found', detail: 'Send chat_id or receiver.' });
        return { ok: false };
      }
      const clientId = typeof body.client_id === 'string' ? body.client_id : newId();
      deps.sessions.frame(conn, { type: 'send', chat_id: chatId, content, client_id: clientId });
      return { ok: true, client_id: clientId };
    };

    socket.on('disconnect', () => {
      void deps.sessions.close(conn);
    });
    const cursor = parseCursor((socket.handshake.auth as { cursor?: unknown })?.cursor ?? socket.handshake.query.cursor);
    void deps.sessions.open(conn, { cursor, lang });
  });

  return {
    close: async () => {
      io.disconnectSockets(true);
      io.engine.close();
    },
  };
}
