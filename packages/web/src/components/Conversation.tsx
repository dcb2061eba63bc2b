import type { Chat, Message, User } from 'majlis-client';
import type { JSX, TargetedKeyboardEvent } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { dayKey, formatDay, formatNumber, formatTime, formatWhen, t } from '../i18n';
import { type AppState, chatTitle, displayName, type PendingMessage, peerOf, store } from '../store';
import { Avatar, Icon, isWide, SrOnly } from './bits';

function Ticks({ status }: { status: Message['status'] }) {
  const label = t(status);
  return (
    <span class={`ticks ${status}`} role="img" aria-label={label} title={label}>
      <Icon name={status === 'sent' ? 'check' : 'checks'} />
    </span>
  );
}

function fileSize(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${formatNumber(Math.round(value * 10) / 10)} ${units[unit]}`;
}

function Attachment({ message }: { message: Message }) {
  const file = message.file;
  if (!file) {
    return null;
  }
  if (message.message_type === 'image' || file.mime.startsWith('image/')) {
    return (
      <a class="image" href={file.url} target="_blank" rel="noopener">
        <img src={file.thumbnail_url ?? file.url} alt={file.name} width={file.width ?? undefined} height={file.height ?? undefined} loading="lazy" />
      </a>
    );
  }
  return (
    <a class="file" href={file.url} download={file.name}>
      <Icon name="file" />
      <span>
        <bdi dir="auto">{file.name}</bdi>
        <small>
          {' '}
          · {fileSize(file.size)} · {t('download')}
        </small>
      </span>
    </a>
  );
}

function MessageItem({ message, mine, showName }: { message: Message; mine: boolean; showName: boolean }) {
  if (message.message_type === 'system') {
    return (
      <li class="msg system">
        <p dir="auto">{message.content}</p>
      </li>
    );
  }
  const caption = message.content && message.content !== message.file?.name ? message.content : null;
  return (
    <li class={`msg ${mine ? 'mine' : 'theirs'}`} id={`m-${message.id}`}>
      <div class="bubble">
        {showName ? (
          <span class="sender">
            <bdi dir="auto">{message.sender_name ?? t('deletedUser')}</bdi>
          </span>
        ) : null}
        {mine ? <SrOnly>{t('you')}: </SrOnly> : null}
        {message.forwarded_from ? <span class="forwarded">{t('forwarded')}</span> : null}
        {message.reply_to_message ? (
          <blockquote class="reply">
            <bdi dir="auto" class="reply-name">
              {message.reply_to_message.sender_name}
            </bdi>
            <span dir="auto">{message.reply_to_message.is_deleted ? t('deleted') : message.reply_to_message.content}</span>
          </blockquote>
        ) : null}
        {message.is_deleted ? (
          <p class="text deleted">{t('deleted')}</p>
        ) : (
          <>
            <Attachment message={message} />
            {caption ? (
              <p class="text" dir="auto">
                {caption}
              </p>
            ) : null}
          </>
        )}
        <span class="meta">
          {message.edited_at ? <span class="edited">{t('edited')}</span> : null}
          <time dateTime={message.created_at}>{formatTime(message.created_at)}</time>
          {mine && !message.is_deleted ? <Ticks status={message.status} /> : null}
        </span>
      </div>
    </li>
  );
}

function PendingItem({ pending }: { pending: PendingMessage }) {
  return (
    <li class={`msg mine pending${pending.error ? ' failed' : ''}`}>
      <div class="bubble">
        <p class="text" dir="auto">
          {pending.content}
        </p>
        <span class="meta">
          <time dateTime={pending.createdAt}>{formatTime(pending.createdAt)}</time>
          {pending.error ? (
            <span class="ticks failed" role="img" aria-label={t('notSent', { reason: pending.error })} title={pending.error}>
              <Icon name="alert" />
            </span>
          ) : (
            <span class="ticks pending" role="img" aria-label={t('sending')} title={t('sending')}>
              <Icon name="clock" />
            </span>
          )}
        </span>
        {pending.error ? (
          <button type="button" class="link resend" onClick={() => store.resend(pending.clientId)}>
            {t('resend')}
          </button>
        ) : null}
      </div>
    </li>
  );
}

/** The line under the title: typing, online, last seen, or the member count. */
function subtitle(chat: Chat, state: AppState, peer: User | undefined): { text: string; typing: boolean } {
  const me = state.me?.id;
  const typers = Object.keys(state.typing[chat.id] ?? {}).filter((id) => id !== me);
  if (typers.length > 0) {
    if (chat.chat_type === 'single') {
      return { text: t('typing'), typing: true };
    }
    const user = chat.participants.find((u) => u.id === typers[0]);
    return { text: typers.length > 1 || !user ? t('typingMany') : t('typingName', { name: displayName(user) }), typing: true };
  }
  if (peer) {
    if (store.isOnline(peer)) {
      return { text: t('online'), typing: false };
    }
    const seen = store.lastSeen(peer);
    return { text: seen ? t('lastSeen', { time: formatWhen(seen) }) : '', typing: false };
  }
  return { text: t('members', { n: chat.member_count }), typing: false };
}

function Composer({ chatId, onSent }: { chatId: string; onSent: () => void }) {
  const [text, setText] = useState('');
  const input = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    // On a phone, focusing would pop the keyboard over the conversation: only on wide screens.
    if (isWide()) {
      input.current?.focus();
    }
  }, [chatId]);
  const submit = (event?: Event) => {
    event?.preventDefault();
    const content = text.trim();
    if (!content) {
      return;
    }
    store.send(chatId, content);
    setText('');
    onSent();
    input.current?.focus();
  };
  const onKeyDown = (event: TargetedKeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  };
  return (
    <form class="composer" onSubmit={submit}>
      <label for="composer-input" class="sr-only">
        {t('messageLabel')}
      </label>
      <textarea
        id="composer-input"
        ref={input}
        dir="auto"
        rows={1}
        maxLength={10_000}
        placeholder={t('messagePlaceholder')}
        enterkeyhint="send"
        value={text}
        onInput={(event) => {
          const value = event.currentTarget.value;
          setText(value);
          store.typing(chatId, value.trim() !== '');
        }}
        onKeyDown={onKeyDown}
        onBlur={() => store.typing(chatId, false)}
      />
      <button type="submit" class="send" title={t('send')}>
        <Icon name="send" class="flip-rtl" />
        <SrOnly>{t('send')}</SrOnly>
      </button>
    </form>
  );
}

/** One chat: its header, the history (older pages on scroll-up), and the composer. */
export function Conversation({ chatId, state }: { chatId: string; state: AppState }) {
  const chat = state.data?.chats.find((c) => c.id === chatId);
  const messages = state.data?.messages[chatId];
  const loaded = state.loaded[chatId] ?? false;
  const hasOlder = state.hasOlder[chatId] ?? false;
  const loadingOlder = state.loadingOlder[chatId] ?? false;
  const me = state.me;
  const scroller = useRef<HTMLElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const stick = useRef(true);
  const anchor = useRef<{ firstId: string | undefined; height: number; top: number } | null>(null);

  const known = new Set((messages ?? []).map((m) => m.client_id).filter(Boolean));
  const pending = state.pending.filter((p) => p.chatId === chatId && !known.has(p.clientId));
  const firstId = messages?.[0]?.id;
  const count = (messages?.length ?? 0) + pending.length;

  // Keep the view where the reader is: at the bottom as messages come, or on the same message
  // when an older page is put above it.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) {
      return;
    }
    if (anchor.current && anchor.current.firstId !== firstId) {
      el.scrollTop = anchor.current.top + (el.scrollHeight - anchor.current.height);
      anchor.current = null;
      return;
    }
    if (stick.current) {
      el.scrollTop = el.scrollHeight;
    }
  }, [firstId, count, loaded]);

  // On a phone the chat list (and the link that had focus) is gone: start reading at the title.
  // Wide screens focus the composer instead (see Composer).
  useEffect(() => {
    if (!isWide()) {
      heading.current?.focus();
    }
  }, [chatId]);

  const loadOlder = () => {
    const el = scroller.current;
    if (!el || !hasOlder || loadingOlder) {
      return;
    }
    anchor.current = { firstId, height: el.scrollHeight, top: el.scrollTop };
    void store.loadOlder(chatId).finally(() => {
      if (anchor.current?.firstId === firstId) {
        anchor.current = null;
      }
    });
  };

  const onScroll = () => {
    const el = scroller.current;
    if (!el) {
      return;
    }
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    if (el.scrollTop < 150) {
      loadOlder();
    }
  };

  if (!chat || !me) {
    return (
      <section class="conversation">
        <p class="placeholder">{state.data ? t('pickChat') : t('loading')}</p>
      </section>
    );
  }

  const peer = peerOf(chat, me.id);
  const title = chatTitle(chat, me.id);
  const sub = subtitle(chat, state, peer);
  const isGroup = chat.chat_type === 'group';

  const items: JSX.Element[] = [];
  let previous: Message | undefined;
  for (const message of messages ?? []) {
    const day = dayKey(message.created_at);
    const newDay = !previous || dayKey(previous.created_at) !== day;
    if (newDay) {
      items.push(
        <li key={`day-${day}`} class="day">
          <span>{formatDay(message.created_at)}</span>
        </li>,
      );
    }
    const mine = message.sender_id === me.id;
    const showName = isGroup && !mine && (newDay || previous?.sender_id !== message.sender_id || previous?.message_type === 'system');
    items.push(<MessageItem key={message.id} message={message} mine={mine} showName={showName} />);
    previous = message;
  }

  return (
    <section class="conversation" aria-labelledby="conversation-title">
      <header class="bar">
        <a href="#/" class="icon-button back" title={t('backToChats')}>
          <Icon name="back" class="flip-rtl" />
          <SrOnly>{t('backToChats')}</SrOnly>
        </a>
        <Avatar id={peer?.id ?? chat.id} name={title} image={peer ? peer.profile_image : chat.group_image} online={peer ? store.isOnline(peer) : false} />
        <div class="bar-text">
          <h2 id="conversation-title" ref={heading} tabIndex={-1}>
            <bdi dir="auto">{title}</bdi>
          </h2>
          <p class={`sub${sub.typing ? ' typing' : ''}`} data-testid="conversation-status">
            {sub.text}
          </p>
        </div>
      </header>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard */}
      <section class="messages" ref={scroller} onScroll={onScroll} tabIndex={0} aria-label={t('messages')}>
        {hasOlder ? (
          <button type="button" class="load-older" onClick={loadOlder} disabled={loadingOlder}>
            {loadingOlder ? t('loading') : t('loadOlder')}
          </button>
        ) : loaded ? (
          <p class="beginning">{t('beginning')}</p>
        ) : (
          <p class="beginning">{t('loading')}</p>
        )}
        <ol class="message-list">
          {items}
          {pending.map((p) => (
            <PendingItem key={p.clientId} pending={p} />
          ))}
        </ol>
      </section>
      <Composer
        chatId={chatId}
        onSent={() => {
          stick.current = true;
        }}
      />
    </section>
  );
}
