import type { Lang } from './i18n';

/** A moment in the user's own time zone (the browser's), in the console's language. */
export function formatDateTime(iso: string | null | undefined, lang: Lang): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'ru-RU', { dateStyle: 'short', timeStyle: 'medium' }).format(date);
}

/** The user's time zone name, shown beside dates. */
export const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
