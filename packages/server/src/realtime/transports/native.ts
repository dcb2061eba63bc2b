import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiKeysService } from '../../modules/api-keys/api-keys.service.js';
import type { AuthContext, AuthService } from '../../modules/auth/auth.service.js';
import { newConnection } from '../connection.js';
import type { Sessions } from '../session.js';
import { CLOSE, eventFrame, parseCursor } from '../wire.js';
import { languageOfRaw, sessionTokenOf, tokenOf } from './handshake.js';

export interface NativeDeps {
  sessions: Sessions;
  auth: AuthService;
  apiKeys: ApiKeysService;
  apiKeyRequired: boolean;
  /** Checks that the user may follow the chat of /ws/{chat_id}; throws otherwise. */
  requireMember: (chatId: string, userId: string) => Promise<unknown>;
  maxPayload: number;
  heartbeatMs: number;
}

const PATH = /^\/ws(?:\/([^/?]+))?\/?$/;

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * The native WebSocket endpoints on the HTTP port: /ws and /ws/global (every chat of mine) and
 * /ws/{chat_id} (one chat, FastAPI seed). Bad or revoked tokens close with 4401, a chat I am not
 * in with 4403 (docs/REALTIME.md).
 */
export function attachNativeWebSockets(app: FastifyInstance, deps: NativeDeps): { close(): void } {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: deps.maxPayload,
    perMessageDeflate: false,
    // Browsers can only pass a token as a subprotocol: accept "majlis" when offered.
    handleProtocols: (protocols) => (protocols.has('majlis') ? 'majlis' : false),
  });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/socket.io/')) {
      return; // Socket.io's own upgrade handler takes it.
    }
    const match = PATH.exec(url.pathname);
    if (!match) {
      refuse(socket, 404, 'Not Found');
      return;
    }
    const start = async () => {
      if (deps.apiKeyRequired) {
        const key = req.headers['x-api-key'] ?? url.searchParams.get('api_key');
        if (typeof key !== 'string' || !(await deps.apiKeys.verify(key))) {
          refuse(socket, 401, 'Unauthorized');
          return;
        }
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        void accept(ws, req, url, match[1] && match[1] !== 'global' ? decodeURIComponent(match[1]) : null);
      });
    };
    start().catch(() => refuse(socket, 500, 'Internal Server Error'));
  };

  const accept = async (ws: WebSocket, req: IncomingMessage, url: URL, chatId: string | null) => {
    // A protocol error (a frame over maxPayload, invalid UTF-8...) is emitted here before ws closes
    // the socket itself (1009, 1007...): without a listener it would be thrown and end the process.
    ws.on('error', (error) => app.log.debug({ err: error }, 'websocket protocol error'));
    // Frames can arrive while the token is being checked: keep them until the session is ready.
    const early: Array<string | null> = [];
    let onFrame: (frame: string | null) => void = (frame) => early.push(frame);
    let alive = true;
    ws.on('message', (data, isBinary) => {
      alive = true;
      onFrame(isBinary ? null : data.toString());
    });
    let auth: AuthContext;
    try {
      const token = tokenOf(req, url);
      const sessionToken = sessionTokenOf(req);
      if (token) {
        auth = await deps.auth.authenticateAccessToken(token);
      } else if (sessionToken) {
        auth = await deps.auth.authenticateSessionToken(sessionToken);
      } else {
        ws.close(CLOSE.unauthorized, 'token required');
        return;
      }
    } catch {
      ws.close(CLOSE.unauthorized, 'invalid or revoked token');
      return;
    }
    if (chatId) {
      try {
        await deps.requireMember(chatId, auth.id);
      } catch {
        ws.close(CLOSE.forbidden, 'not a member of this chat');
        return;
      }
    }
    const conn = newConnection({
      transport: 'ws',
      auth,
      chatFilter: chatId,
      deliverEvent: (event) => ws.send(eventFrame(event)),
      sendObject: (type, body) => ws.send(JSON.stringify({ type, ...body })),
      bufferedBytes: () => ws.bufferedAmount,
      close: (code, reason) => {
        ws.close(code, reason);
        // A peer that does not read will not read the close frame either.
        setTimeout(() => ws.terminate(), 2_000).unref();
      },
    });
    const heartbeat = setInterval(() => {
      if (!alive) {
        ws.terminate();
        return;
      }
      alive = false;
      ws.ping();
    }, deps.heartbeatMs);
    heartbeat.unref();
    ws.on('pong', () => {
      alive = true;
    });
    ws.on('close', () => {
      clearInterval(heartbeat);
      void deps.sessions.close(conn);
    });
    await deps.sessions.open(conn, { cursor: parseCursor(url.searchParams.get('cursor')), lang: languageOfRaw(req) });
    if (ws.readyState !== ws.OPEN) {
      await deps.sessions.close(conn);
      return;
    }
    onFrame = (frame) => deps.sessions.frame(conn, frame);
    for (const frame of early.splice(0)) {
      onFrame(frame);
    }
  };

  app.server.on('upgrade', onUpgrade);
  return {
    close: () => {
      app.server.off('upgrade', onUpgrade);
      wss.close();
    },
  };
}
