import type { Chat, User } from 'majlis-client';
import { useEffect, useRef, useState } from 'preact/hooks';
import { formatNumber, formatStamp, t } from '../i18n';
import { type AppState, chatTitle, displayName, errorText, peerOf, store } from '../store';
import { Avatar, Icon, LanguagePicker, SrOnly } from './bits';

/** What the chat list shows of the newest message. */
function preview(chat: Chat, me: User): { prefix: string; text: string } {
  const last = chat.last_message;
  if (!last) {
    return { prefix: '', text: t('noMessagesYet') };
  }
  let prefix = '';
  if (last.message_type !== 'system') {
    if (last.sender_id === me.id) {
      prefix = `${t('you')}: `;
    } else if (chat.chat_type === 'group' && last.sender_name) {
      prefix = `${last.sender_name}: `;
    }
  }
  if (last.is_deleted) {
    return { prefix, text: t('deleted') };
  }
  if (last.message_type === 'image') {
    return { prefix, text: `${t('photo')}${last.content ? ` · ${last.content}` : ''}` };
  }
  if (last.message_type === 'file' || last.message_type === 'audio' || last.message_type === 'video') {
    return { prefix, text: last.content ?? t('file') };
  }
  return { prefix, text: last.content ?? '' };
}

function ChatRow({ chat, me, active }: { chat: Chat; me: User; active: boolean }) {
  const peer = peerOf(chat, me.id);
  const title = chatTitle(chat, me.id);
  const online = peer ? store.isOnline(peer) : false;
  const { prefix, text } = preview(chat, me);
  const unread = chat.unread_count;
  return (
    <li>
      <a href={`#/chat/${encodeURIComponent(chat.id)}`} class={`chat-row${unread > 0 ? ' has-unread' : ''}`} aria-current={active ? 'page' : undefined}>
        <Avatar id={peer?.id ?? chat.id} name={title} image={peer ? peer.profile_image : chat.group_image} online={online} />
        <span class="row-main">
          <span class="row-top">
            <span class="row-title">
              <bdi dir="auto">{title}</bdi>
            </span>
            {online ? <SrOnly>, {t('online')}</SrOnly> : null}
            <time class="row-time" dateTime={chat.last_activity_at}>
              {formatStamp(chat.last_message?.created_at ?? chat.last_activity_at)}
            </time>
          </span>
          <span class="row-bottom">
            <span class="row-preview">
              {prefix}
              <bdi dir="auto">{text}</bdi>
            </span>
            {unread > 0 ? (
              <span class="badge">
                <span aria-hidden="true">{unread > 99 ? `${formatNumber(99)}+` : formatNumber(unread)}</span>
                <SrOnly>, {t('unread', { n: unread })}</SrOnly>
              </span>
            ) : null}
          </span>
        </span>
      </a>
    </li>
  );
}

/** "Start a direct chat" by username or email. */
function NewChatForm({ onClose }: { onClose: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  // The form opens on request ("New chat"): its field is where the user goes next.
  useEffect(() => input.current?.focus(), []);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    const identifier = String(new FormData(event.currentTarget as HTMLFormElement).get('identifier') ?? '').trim();
    if (!identifier) {
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const chatId = await store.startDirect(identifier);
      onClose();
      location.hash = `#/chat/${encodeURIComponent(chatId)}`;
    } catch (caught) {
      setBusy(false);
      setError(errorText(caught));
    }
  };
  return (
    <form
      id="new-chat"
      class="new-chat"
      onSubmit={submit}
      aria-labelledby="new-chat-title"
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          onClose();
        }
      }}
    >
      <h2 id="new-chat-title">{t('newChatTitle')}</h2>
      <div class="field">
        <label for="new-chat-identifier">{t('identifier')}</label>
        <input
          id="new-chat-identifier"
          name="identifier"
          dir="auto"
          required
          ref={input}
          autocomplete="off"
          autocapitalize="off"
          spellcheck={false}
          aria-describedby="new-chat-hint"
        />
        <small id="new-chat-hint" class="hint">
          {t('newChatHint')}
        </small>
      </div>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? t('working') : t('startChat')}
        </button>
        <button type="button" onClick={onClose}>
          {t('cancel')}
        </button>
      </div>
    </form>
  );
}

/** The chat list with its header (me, new chat, log out). */
export function Sidebar({ state, activeChatId }: { state: AppState; activeChatId: string | null }) {
  const [showNew, setShowNew] = useState(false);
  const newButton = useRef<HTMLButtonElement>(null);
  const me = state.me;
  const chats = state.data?.chats ?? [];
  if (!me) {
    return null;
  }
  const closeNew = () => {
    setShowNew(false);
    newButton.current?.focus();
  };
  return (
    <aside class="sidebar" aria-labelledby="sidebar-title">
      <header class="bar">
        <Avatar id={me.id} name={displayName(me)} image={me.profile_image} size="sm" />
        <div class="bar-text">
          <h1 id="sidebar-title">{t('chats')}</h1>
          <p class="sub" dir="auto">
            {displayName(me)}
          </p>
        </div>
        <button
          ref={newButton}
          type="button"
          class="icon-button"
          aria-expanded={showNew}
          aria-controls="new-chat"
          onClick={() => (showNew ? closeNew() : setShowNew(true))}
          title={t('newChat')}
        >
          <Icon name="plus" />
          <SrOnly>{t('newChat')}</SrOnly>
        </button>
      </header>
      {showNew ? <NewChatForm onClose={closeNew} /> : null}
      <nav class="chat-nav" aria-label={t('chatList')}>
        {chats.length === 0 ? (
          <p class="empty">{t('noChats')}</p>
        ) : (
          <ul class="chat-list">
            {chats.map((chat) => (
              <ChatRow key={chat.id} chat={chat} me={me} active={chat.id === activeChatId} />
            ))}
          </ul>
        )}
      </nav>
      <footer class="sidebar-foot">
        <LanguagePicker />
        <button type="button" class="logout" onClick={() => void store.logout()}>
          <Icon name="logout" class="flip-rtl" />
          {t('logout')}
        </button>
      </footer>
    </aside>
  );
}
