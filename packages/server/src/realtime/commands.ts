import { ERRORS, errorDetail, type ErrorCode, type Language } from '@majlis/protocol';
import { AppError } from '../http/problem.js';
import type { MessagesService } from '../modules/messages/messages.service.js';
import type { Connection } from './connection.js';
import type { Replayer } from './replay.js';
import type { Typing } from './typing.js';
import { parseCursor } from './wire.js';

export interface CommandDeps {
  messages: MessagesService;
  replayer: Replayer;
  typing: Typing;
}

export type Frame = Record<string, unknown> & { type: string };
type Handler = (conn: Connection, frame: Frame, deps: CommandDeps, lang: Language) => Promise<void>;

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The chat a frame is about: its chat_id, or the chat of a /ws/{chat_id} socket. Must be one I follow. */
function chatOf(conn: Connection, frame: Frame): string {
  const chatId = str(frame.chat_id) ?? conn.chatFilter;
  if (!chatId) {
    throw new AppError('validation_failed', {}, { errors: [{ field: 'chat_id', message: 'is required' }] });
  }
  if (!conn.chats.has(chatId)) {
    throw new AppError('not_a_member');
  }
  return chatId;
}

/** An error frame in the catalog's shape. */
export function errorFrame(error: unknown, lang: Language, clientId?: string): Record<string, unknown> {
  const appError = error instanceof AppError ? error : new AppError('internal_error');
  const code: ErrorCode = appError.code;
  return {
    ...(clientId ? { client_id: clientId } : {}),
    code,
    status: ERRORS[code].status,
    detail: errorDetail(code, lang, appError.params),
    ...(appError.extra.errors ? { errors: appError.extra.errors } : {}),
  };
}

/** Client → server frames, one small handler each (docs/REALTIME.md). */
export const COMMANDS: Record<string, Handler> = {
  ping: async (conn) => {
    conn.sendObject('pong', {});
  },

  typing: async (conn, frame, deps) => {
    deps.typing.set(chatOf(conn, frame), conn.auth.id, frame.is_typing !== false);
  },

  read: async (conn, frame, deps) => {
    const messageId = str(frame.message_id);
    if (!messageId) {
      throw new AppError('validation_failed', {}, { errors: [{ field: 'message_id', message: 'is required' }] });
    }
    await deps.messages.read(conn.auth, chatOf(conn, frame), messageId);
  },

  send: async (conn, frame, deps, lang) => {
    const clientId = str(frame.client_id);
    try {
      const content = str(frame.content);
      if (!clientId || !content || content.length > 10_000) {
        throw new AppError('validation_failed', {}, {
          errors: [
            ...(clientId ? [] : [{ field: 'client_id', message: 'is required' }]),
            ...(content && content.length <= 10_000 ? [] : [{ field: 'content', message: 'must be 1-10000 characters' }]),
          ],
        });
      }
      const sent = await deps.messages.send(conn.auth, chatOf(conn, frame), { content, client_id: clientId, reply_to: str(frame.reply_to) ?? null });
      conn.sendObject('ack', { client_id: clientId, message: sent.message, replayed: sent.replayed });
    } catch (error) {
      conn.sendObject('error', errorFrame(error, lang, clientId));
    }
  },

  resume: async (conn, frame, deps) => {
    let ok: boolean;
    if (frame.since && typeof frame.since === 'object' && !Array.isArray(frame.since)) {
      const since: Record<string, number> = {};
      for (const [chatId, seq] of Object.entries(frame.since as Record<string, unknown>)) {
        const n = parseCursor(seq);
        if (n === null) {
          throw new AppError('validation_failed', {}, { errors: [{ field: `since.${chatId}`, message: 'must be a seq (integer ≥ 0)' }] });
        }
        since[chatId] = n;
      }
      ok = await deps.replayer.resume(conn, { since });
    } else {
      const cursor = parseCursor(frame.cursor);
      if (cursor === null) {
        throw new AppError('validation_failed', {}, { errors: [{ field: 'cursor', message: 'must be a cursor from an event' }] });
      }
      ok = await deps.replayer.resume(conn, { cursor });
    }
    if (!ok) {
      conn.sendObject('reset', { reason: 'the event log no longer reaches back to that point: reload by REST' });
    }
  },
};
