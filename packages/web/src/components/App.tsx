import { useEffect } from 'preact/hooks';
import { t } from '../i18n';
import { store, useAppState } from '../store';
import { AuthScreen } from './AuthScreen';
import { useHash } from './bits';
import { Conversation } from './Conversation';
import { Sidebar } from './Sidebar';

function chatIdOf(hash: string): string | null {
  const match = /^#\/chat\/([^/?#]+)/.exec(hash);
  if (!match?.[1]) {
    return null;
  }
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}

export function App() {
  const state = useAppState();
  const chatId = chatIdOf(useHash());

  useEffect(() => {
    if (state.phase === 'ready') {
      void store.openChat(chatId);
    }
  }, [chatId, state.phase]);

  if (state.phase === 'loading') {
    return (
      <main class="splash">
        <p role="status">{t('loading')}</p>
      </main>
    );
  }
  if (state.phase === 'offline') {
    return (
      <main class="splash">
        <p role="alert">{state.notice ?? t('networkError')}</p>
        <button type="button" class="primary" onClick={() => void store.start()}>
          {t('retry')}
        </button>
      </main>
    );
  }
  if (state.phase === 'auth') {
    return <AuthScreen notice={state.notice} />;
  }

  const reconnecting = state.connection === 'waiting';
  return (
    <div class={`layout${chatId ? ' has-chat' : ''}`}>
      <div class="banners">
        {reconnecting ? (
          <p class="connection" role="status">
            {t('reconnecting')}
          </p>
        ) : null}
        {state.notice ? (
          <p class="connection problem" role="alert">
            {state.notice}{' '}
            <button type="button" class="link" onClick={() => store.dismissNotice()}>
              {t('dismiss')}
            </button>
          </p>
        ) : null}
      </div>
      <Sidebar state={state} activeChatId={chatId} />
      <main class="main">
        {chatId ? (
          <Conversation key={chatId} chatId={chatId} state={state} />
        ) : (
          <section class="conversation">
            <p class="placeholder">{t('pickChat')}</p>
          </section>
        )}
      </main>
      <div class="sr-only" aria-live="polite" aria-atomic="true">
        {state.announcement}
      </div>
    </div>
  );
}
