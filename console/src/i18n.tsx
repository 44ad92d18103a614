import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { EN } from './i18n-en';

/** The console speaks Russian; English is a switch away. Texts are written in Russian and looked up for English. */
export type Lang = 'ru' | 'en';

interface I18n {
  lang: Lang;
  setLang(lang: Lang): void;
  /** The text in the current language; `{name}` placeholders are filled from `vars`. */
  t(ru: string, vars?: Record<string, string | number>): string;
}

const I18nContext = createContext<I18n | null>(null);
const STORAGE_KEY = 'console.lang';

function fill(text: string, vars?: Record<string, string | number>): string {
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(() => (localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'ru'));
  const setLang = useCallback((next: Lang) => {
    localStorage.setItem(STORAGE_KEY, next);
    document.documentElement.lang = next;
    setLangState(next);
  }, []);
  const t = useCallback((ru: string, vars?: Record<string, string | number>) => fill(lang === 'en' ? (EN[ru] ?? ru) : ru, vars), [lang]);
  const value = useMemo(() => ({ lang, setLang, t }), [lang, setLang, t]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}

/** Russian plural forms: 1 SMS / 2 SMS / 5 SMS share a word here, but символ / символа / символов do not. */
export function pluralRu(n: number, one: string, few: string, many: string): string {
  const mod10 = n % 10;
  const mod100 = n % 100;
  if (mod10 === 1 && mod100 !== 11) return one;
  if (mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14)) return few;
  return many;
}
