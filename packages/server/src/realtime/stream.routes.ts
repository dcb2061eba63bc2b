import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import { caller } from '../http/auth.js';
import { languageOf } from '../http/error-handler.js';
import { problems } from '../http/schemas.js';
import { ChatsRepo } from '../modules/chats/chats.repo.js';
import { EventsRepo } from '../modules/events/events.repo.js';
import type { Database } from '../storage/schema.js';
import { newConnection } from './connection.js';
import type { Hub } from './hub.js';
import type { Replayer } from './replay.js';
import type { Sessions } from './session.js';
import { eventFrame, eventObject, parseCursor } from './wire.js';

const tags = ['realtime'];
const HEARTBEAT_MS = 25_000;

export interface StreamDeps {
  db: Kysely<Database>;
  hub: Hub;
  replayer: Replayer;
  sessions: Sessions;
}

/** The real-time stream without WebSockets: Server-Sent Events and long polling. */
export const streamRoutes: FastifyPluginAsyncTypebox<StreamDeps> = async (app, { db, hub, replayer, sessions }) => {
  app.get('/api/events', {
    config: { queryToken: true },
    schema: {
      tags,
      summary: 'The event stream as Server-Sent Events',
      description:
        'Every event of every chat of mine, as `text/event-stream`: `event:` is the type, `data:` the JSON, `id:` the cursor. Resume with the Last-Event-ID header (EventSource does it for you) or ?cursor=. EventSource cannot send headers: pass ?token=<access_token>. A cursor older than the log gets one `reset` event.',
      querystring: Type.Object({ cursor: Type.Optional(Type.String({ maxLength: 20 })), token: Type.Optional(Type.String({ maxLength: 4096 })) }),
      produces: ['text/event-stream'],
      response: { 200: Type.String({ description: 'text/event-stream' }), ...problems(401) },
    },
    handler: async (request, reply) => {
      const auth = caller(request);
      const lastEventId = request.headers['last-event-id'];
      const cursor = parseCursor(typeof lastEventId === 'string' && lastEventId !== '' ? lastEventId : request.query.cursor);
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.write('retry: 3000\n\n');
      // Writing to an ended stream emits an 'error' nobody listens to (the process would die):
      // once the stream is ended (logout, slow consumer, shutdown), later writes are dropped.
      const write = (text: string) => {
        if (!raw.writableEnded && !raw.destroyed) {
          raw.write(text);
        }
      };
      raw.on('error', (error) => request.log.debug({ err: error }, 'event stream error'));
      const conn = newConnection({
      transport: 'sse',
      auth,
      deliverEvent: (event) => write(`id: ${event.id}\nevent: ${event.type}\ndata: ${eventFrame(event)}\n\n`),
        sendObject: (type, body) => write(`event: ${type}\ndata: ${JSON.stringify({ type, ...body })}\n\n`),
        bufferedBytes: () => raw.writableLength,
        close: () => {
          if (!raw.writableEnded) {
            raw.end();
          }
          // A client that does not read takes no end either (slow consumer): cut it off.
          setTimeout(() => {
            if (!raw.writableFinished) {
              raw.destroy();
            }
          }, 2_000).unref();
        },
      });
      const heartbeat = setInterval(() => write(': keep-alive\n\n'), HEARTBEAT_MS);
      heartbeat.unref();
      const gone = () => {
        clearInterval(heartbeat);
        void sessions.close(conn);
      };
      request.raw.on('close', gone);
      raw.on('close', gone);
      await sessions.open(conn, { cursor, lang: languageOf(request) });
      if (request.raw.destroyed || raw.destroyed) {
        await sessions.close(conn); // the client left before the stream was set up
      }
    },
  });

  app.get('/api/sync', {
    schema: {
      tags,
      summary: 'The event stream as a long poll',
      description:
        'Returns the events after `cursor` at once if there are any, else waits up to `timeout` seconds for one. Call again with the returned cursor. Without a cursor, returns the current cursor to start from. `reset: true` means the cursor is older than the log: reload by REST and continue from the returned cursor.',
      querystring: Type.Object({
        cursor: Type.Optional(Type.String({ maxLength: 20 })),
        timeout: Type.Optional(Type.Integer({ minimum: 0, maximum: 60, default: 25 })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 200 })),
      }),
      response: {
        200: Type.Object({
          events: Type.Array(Type.Record(Type.String(), Type.Unknown())),
          cursor: Type.String(),
          reset: Type.Boolean(),
        }),
        ...problems(400, 401),
      },
    },
    handler: async (request) => {
      const auth = caller(request);
      const events = new EventsRepo(db);
      const given = request.query.cursor === undefined || request.query.cursor === '' ? null : parseCursor(request.query.cursor);
      if (given === null) {
        return { events: [], cursor: String(await events.newestId()), reset: request.query.cursor !== undefined && request.query.cursor !== '' };
      }
      const plan = await replayer.plan({ cursor: given });
      if (!plan) {
        return { events: [], cursor: String(await events.newestId()), reset: true };
      }
      const limit = request.query.limit ?? 200;
      const fetch = async () => replayer.page(auth.id, await new ChatsRepo(db).chatIdsOf(auth.id), plan, limit);
      let found = await fetch();
      const deadline = Date.now() + (request.query.timeout ?? 25) * 1000;
      // Woken by any chat's event: look again, and keep waiting while there is nothing for us.
      while (found.length === 0 && Date.now() < deadline) {
        await hub.waitFor(auth.id, deadline - Date.now());
        found = await fetch();
      }
      const last = found.at(-1);
      return { events: found.map(eventObject), cursor: String(last ? last.id : given), reset: false };
    },
  });
};
