// Translations: every string the UI shows comes from i18n/<lang>.json. Russian is the default
// working language; the choice is remembered in this browser.
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import en from './i18n/en.json';
import ru from './i18n/ru.json';

export const LANGUAGES = { ru, en } as const;
export type Language = keyof typeof LANGUAGES;
export type MessageKey = keyof typeof en;

interface I18n {
  lang: Language;
  setLang(lang: Language): void;
  t(key: MessageKey, vars?: Record<string, string | number>): string;
  /** A date and time as people of this language write it. */
  time(iso: string): string;
}

const I18nContext = createContext<I18n | undefined>(undefined);

function initialLanguage(): Language {
  const saved = localStorage.getItem('tamga.lang');
  return saved === 'en' || saved === 'ru' ? saved : 'ru';
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Language>(initialLanguage);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const setLang = useCallback((next: Language) => {
    localStorage.setItem('tamga.lang', next);
    setLangState(next);
  }, []);
  const t = useCallback(
    (key: MessageKey, vars: Record<string, string | number> = {}) => {
      const messages: Record<string, string> = LANGUAGES[lang];
      const text = messages[key] ?? en[key] ?? key;
      return text.replace(/\{(\w+)\}/g, (_m, name: string) => String(vars[name] ?? `{${name}}`));
    },
    [lang],
  );
  const time = useCallback(
    (iso: string) =>
      new Date(iso).toLocaleString(lang === 'ru' ? 'ru-RU' : 'en-GB', { dateStyle: 'medium', timeStyle: 'medium' }),
    [lang],
  );
  const value = useMemo(() => ({ lang, setLang, t, time }), [lang, setLang, t, time]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (value === undefined) throw new Error('useI18n outside I18nProvider');
  return value;
}
