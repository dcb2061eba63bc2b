import type { ComponentChildren, CSSProperties } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { LANGS, lang, setLang, t } from '../i18n';

const ICONS = {
  check: 'M5 12.5l4.5 4.5L19 7.5',
  checks: 'M2.5 12.5L7 17l9.5-9.5M11.5 16l1 1L22 7.5',
  clock: 'M12 3a9 9 0 1 0 0 18a9 9 0 0 0 0-18zM12 7v5l3 2',
  alert: 'M12 3a9 9 0 1 0 0 18a9 9 0 0 0 0-18zM12 7.5v5.5M12 16.5v.5',
  send: 'M4 12l16-8-6 16-2.5-6.5z',
  back: 'M15 5l-7 7 7 7',
  plus: 'M12 5v14M5 12h14',
  logout: 'M15 4h3a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-3M10 16l4-4-4-4M14 12H4',
  file: 'M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8zM14 3v5h5',
} as const;

export type IconName = keyof typeof ICONS;

/** A line icon (decorative: give the button or link around it a label). */
export function Icon({ name, class: className }: { name: IconName; class?: string }) {
  return (
    <svg class={`icon ${className ?? ''}`} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d={ICONS[name]} />
    </svg>
  );
}

/** Text only screen readers get. */
export function SrOnly({ children }: { children: ComponentChildren }) {
  return <span class="sr-only">{children}</span>;
}

function hue(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i += 1) {
    h = (h * 31 + id.charCodeAt(i)) % 360;
  }
  return h;
}

/** A round picture or initial, with an online dot when `online` is true. Decorative. */
export function Avatar({ id, name, image, online, size = 'md' }: { id: string; name: string; image?: string | null; online?: boolean; size?: 'sm' | 'md' }) {
  const initial = Array.from(name.trim())[0]?.toLocaleUpperCase() ?? '?';
  const style = { '--hue': String(hue(id)) } as unknown as CSSProperties;
  return (
    <span class={`avatar avatar-${size}`} style={style} aria-hidden="true">
      {image ? <img src={image} alt="" /> : initial}
      {online ? <span class="dot" /> : null}
    </span>
  );
}

/** A labelled input with its hint and error, tied together for screen readers. */
export interface FieldProps {
  name: string;
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  type?: 'text' | 'email' | 'password';
  autocomplete?: string;
  dir?: 'auto' | 'ltr' | 'rtl';
  required?: boolean;
  minLength?: number | undefined;
  maxLength?: number | undefined;
  autoFocus?: boolean;
}

export function Field(props: FieldProps) {
  const { name, label, hint, error, type, ...rest } = props;
  const id = `field-${name}`;
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} name={name} type={(type ?? 'text') as 'text'} aria-invalid={error ? 'true' : undefined} aria-describedby={described} {...rest} />
      {hint ? (
        <small id={`${id}-hint`} class="hint">
          {hint}
        </small>
      ) : null}
      {error ? (
        <small id={`${id}-error`} class="field-error">
          {error}
        </small>
      ) : null}
    </div>
  );
}

/** The language menu; a change reloads the page so every string and date follows. */
export function LanguagePicker() {
  return (
    <div class="lang-picker">
      <label for="lang-select">{t('language')}</label>
      <select
        id="lang-select"
        value={lang}
        onChange={(event) => {
          setLang((event.currentTarget as HTMLSelectElement).value as typeof lang);
          location.reload();
        }}
      >
        {LANGS.map((l) => (
          <option key={l.code} value={l.code} lang={l.code}>
            {l.name}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The URL hash, kept current (the app's only routing: #/chat/<id>). */
export function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const onChange = () => setHash(location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}

/** True on screens wide enough for the list and the conversation side by side. */
export function isWide(): boolean {
  return window.matchMedia('(min-width: 48rem)').matches;
}
