import type { Message } from '@majlis/protocol';
import type { Emit, Trx } from '../events/outbox.js';
import { newId } from '../../lib/ids.js';
import { searchText } from '../../lib/text/fold.js';
import { ChatsRepo } from '../chats/chats.repo.js';
import { type MessageRow, MessagesRepo } from './messages.repo.js';
import type { MessageViews } from './messages.view.js';

export interface NewMessage {
  chatId: string;
  senderId: string | null;
  type: MessageRow['type'];
  content: string | null;
  fileId?: string | null;
  replyToId?: string | null;
  forwardedFromId?: string | null;
  clientId?: string | null;
}

/**
 * Appends a message inside the caller's transaction: takes the chat's next seq (the row lock
 * makes concurrent senders queue, so seqs are gap-free), inserts, moves the sender's read
 * pointer (sending reads everything before), and records `new_message`.
 */
export async function appendMessage(trx: Trx, emit: Emit, views: MessageViews, input: NewMessage, now: number): Promise<Message> {
  const chats = new ChatsRepo(trx);
  const seq = await chats.nextSeq(input.chatId, now);
  const row: MessageRow = {
    id: newId(),
    chat_id: input.chatId,
    seq,
    sender_id: input.senderId,
    type: input.type,
    content: input.content,
    search_text: input.content && input.type !== 'system' ? searchText(input.content) : null,
    file_id: input.fileId ?? null,
    reply_to_id: input.replyToId ?? null,
    forwarded_from_id: input.forwardedFromId ?? null,
    client_id: input.clientId ?? null,
    edited_at: null,
    deleted_at: null,
    created_at: now,
  };
  await new MessagesRepo(trx).insert(row);
  if (input.senderId) {
    await chats.advanceRead(input.chatId, input.senderId, seq);
  }
  const message = await views.one(trx, row);
  emit({ chat_id: input.chatId, user_id: null, type: 'new_message', payload: { chat_id: input.chatId, seq, message } });
  return message;
}
