import { MajlisError } from 'majlis-client';
import { useRef, useState } from 'preact/hooks';
import { t } from '../i18n';
import { errorText, store } from '../store';
import { Field, LanguagePicker } from './bits';

type Mode = 'login' | 'register';

/** Log in or create an account (one form, toggled). */
export function AuthScreen({ notice }: { notice: string | null }) {
  const [mode, setMode] = useState<Mode>('login');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const form = useRef<HTMLFormElement>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const value = (name: string) => String(data.get(name) ?? '').trim();
    const remember = data.get('remember') === 'on';
    setBusy(true);
    setError(null);
    setFieldErrors({});
    try {
      if (mode === 'login') {
        await store.login(value('identifier'), String(data.get('password') ?? ''), remember);
      } else {
        const fullName = value('full_name');
        await store.register(
          {
            username: value('username'),
            email: value('email'),
            password: String(data.get('password') ?? ''),
            ...(fullName ? { full_name: fullName } : {}),
          },
          remember,
        );
      }
    } catch (caught) {
      setBusy(false);
      setError(errorText(caught));
      if (caught instanceof MajlisError && caught.errors) {
        setFieldErrors(Object.fromEntries(caught.errors.map((e) => [e.field.replace(/^\/?(body\/)?/, ''), e.message])));
      }
    }
  };

  const toggle = () => {
    setMode(mode === 'login' ? 'register' : 'login');
    setError(null);
    setFieldErrors({});
    setTimeout(() => form.current?.querySelector('input')?.focus(), 0);
  };

  const title = mode === 'login' ? t('login') : t('register');
  return (
    <main class="auth">
      <div class="auth-card">
        <header class="brand">
          <img src="/favicon.svg" alt="" width={48} height={48} />
          <div>
            <h1>{t('appName')}</h1>
            <p>{t('tagline')}</p>
          </div>
        </header>
        {notice ? (
          <p class="notice" role="status">
            {notice}
          </p>
        ) : null}
        <form ref={form} onSubmit={submit} aria-labelledby="auth-title" noValidate={false}>
          <h2 id="auth-title">{title}</h2>
          {mode === 'login' ? (
            <Field name="identifier" label={t('identifier')} autocomplete="username" dir="auto" required autoFocus error={fieldErrors.identifier} />
          ) : (
            <>
              <Field
                name="username"
                label={t('username')}
                hint={t('usernameHint')}
                autocomplete="username"
                dir="auto"
                required
                minLength={3}
                maxLength={32}
                autoFocus
                error={fieldErrors.username}
              />
              <Field name="email" type="email" label={t('email')} autocomplete="email" dir="ltr" required error={fieldErrors.email} />
              <Field name="full_name" label={t('fullName')} autocomplete="name" dir="auto" maxLength={100} error={fieldErrors.full_name} />
            </>
          )}
          <Field
            name="password"
            type="password"
            label={t('password')}
            hint={mode === 'register' ? t('passwordHint') : undefined}
            autocomplete={mode === 'login' ? 'current-password' : 'new-password'}
            dir="ltr"
            required
            minLength={mode === 'register' ? 8 : undefined}
            error={fieldErrors.password}
          />
          <div class="check">
            <input id="field-remember" name="remember" type="checkbox" />
            <label for="field-remember">{t('remember')}</label>
          </div>
          {error ? (
            <p class="error" role="alert">
              {error}
            </p>
          ) : null}
          <button type="submit" class="primary wide" disabled={busy}>
            {busy ? t('working') : title}
          </button>
        </form>
        <button type="button" class="link" onClick={toggle}>
          {mode === 'login' ? t('toRegister') : t('toLogin')}
        </button>
        <LanguagePicker />
      </div>
    </main>
  );
}
