import type { EditMessageBody, Message, MessagePage, MessagesQuery, SendMessageBody, StatusResponse } from '@majlis/protocol';
import type { AuthSession } from '../auth.js';
import { MajlisError, path } from '../http.js';
import { randomId } from '../ids.js';
import type { ForwardResult, MessageEdit, ReactResult, ReadAllResult } from '../types.js';

/** The optional parts of a file message (multipart fields next to `file`). */
export interface SendFileOptions {
  filename?: string;
  /** A caption; the server uses the file name when it is left out. */
  content?: string;
  reply_to?: string;
  /** Set by the SDK when left out (on this object, so sending the same object again is the same send). */
  client_id?: string;
}

/** Search options of both search calls. */
export interface SearchOptions {
  limit?: number;
  before_seq?: number;
}

const RETRIES = 3;

/** Worth retrying a send: the server was not reached or was briefly unavailable. */
function transient(error: unknown): boolean {
  return error instanceof MajlisError && (error.status === 0 || error.status === 502 || error.status === 503 || error.status === 504);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Messages of a chat, and search across chats (contract: Messages). */
export class MessagesApi {
  constructor(private readonly session: AuthSession) {}

  /** A page, oldest → newest: `skip`/`limit` count from the newest; `before_seq`/`after_seq` are cursors. */
  list(chatId: string, query: MessagesQuery = {}): Promise<MessagePage> {
    return this.session.request({ method: 'GET', path: path`/api/chats/${chatId}/messages`, query: { ...query } });
  }

  get(chatId: string, messageId: string): Promise<Message> {
    return this.session.request({ method: 'GET', path: path`/api/chats/${chatId}/messages/${messageId}` });
  }

  /**
   * Sends a text message exactly once. Without a `client_id` the SDK sets one on `body` (a
   * random UUID), so sending the same object again returns the original message instead of a
   * second one; the SDK itself retries network failures and 502/503/504 with that same id.
   */
  send(chatId: string, body: SendMessageBody | string): Promise<Message> {
    const input: SendMessageBody = typeof body === 'string' ? { content: body } : body;
    input.client_id ??= randomId();
    const json = { ...input };
    return this.retrying(() => this.session.request<Message>({ method: 'POST', path: path`/api/chats/${chatId}/messages`, json }));
  }

  /** Sends a file (≤ 10 MB; its type comes from its content), exactly once like `send`. */
  sendFile(chatId: string, file: Blob, options: SendFileOptions = {}): Promise<Message> {
    options.client_id ??= randomId();
    const form = new FormData();
    form.append('client_id', options.client_id);
    if (options.content !== undefined) {
      form.append('content', options.content);
    }
    if (options.reply_to !== undefined) {
      form.append('reply_to', options.reply_to);
    }
    form.append('file', file, options.filename ?? 'file');
    return this.retrying(() => this.session.request<Message>({ method: 'POST', path: path`/api/chats/${chatId}/messages/file`, form }));
  }

  /** Edits the text of my text message. */
  edit(chatId: string, messageId: string, content: string): Promise<Message> {
    const json: EditMessageBody = { content };
    return this.session.request({ method: 'PUT', path: path`/api/chats/${chatId}/messages/${messageId}`, json });
  }

  /**
   * Deletes for everyone (the sender, or a group admin): the message stays as a tombstone. With
   * `{ for: 'me' }` any member hides it for themselves only.
   */
  delete(chatId: string, messageId: string, options: { for?: 'everyone' | 'me' } = {}): Promise<StatusResponse> {
    return this.session.request({ method: 'DELETE', path: path`/api/chats/${chatId}/messages/${messageId}`, query: { for: options.for } });
  }

  /** Previous versions of an edited message, oldest first. */
  history(chatId: string, messageId: string): Promise<MessageEdit[]> {
    return this.session.request({ method: 'GET', path: path`/api/chats/${chatId}/messages/${messageId}/history` });
  }

  /** Toggles my reaction. */
  react(chatId: string, messageId: string, emoji: string): Promise<ReactResult> {
    return this.session.request({ method: 'POST', path: path`/api/chats/${chatId}/messages/${messageId}/react`, json: { emoji } });
  }

  /** Forwards into other chats of mine. */
  forward(chatId: string, messageId: string, targetChatIds: string[]): Promise<ForwardResult> {
    return this.session.request({ method: 'POST', path: path`/api/chats/${chatId}/messages/${messageId}/forward`, json: { target_chat_ids: targetChatIds } });
  }

  /** Marks this message and everything before it read. */
  read(chatId: string, messageId: string): Promise<StatusResponse> {
    return this.session.request({ method: 'POST', path: path`/api/chats/${chatId}/messages/${messageId}/read` });
  }

  readAll(chatId: string): Promise<ReadAllResult> {
    return this.session.request({ method: 'POST', path: path`/api/chats/${chatId}/messages/read-all` });
  }

  /** Matches in one chat, newest first. */
  search(chatId: string, query: string, options: SearchOptions = {}): Promise<Message[]> {
    return this.session.request({ method: 'GET', path: path`/api/chats/${chatId}/messages/search`, query: { query, ...options } });
  }

  /** Matches across all my chats, newest first. */
  searchAll(query: string, options: SearchOptions = {}): Promise<Message[]> {
    return this.session.request({ method: 'GET', path: '/api/messages/search', query: { q: query, ...options } });
  }

  private async retrying<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await call();
      } catch (error) {
        if (attempt >= RETRIES || !transient(error)) {
          throw error;
        }
        await sleep(200 * 2 ** attempt);
      }
    }
  }
}
