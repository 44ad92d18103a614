import { Liquid } from 'liquidjs';

const htmlEngine = new Liquid({ outputEscape: 'escape', strictFilters: true, cache: 64 });
const textEngine = new Liquid({ strictFilters: true, cache: 64 });

export interface EmailTemplate {
  subject: string;
  html: string | null;
  text: string | null;
}

export interface RenderedEmail {
  subject: string;
  html: string | null;
  text: string;
}

/**
 * Renders an e-mail template. HTML output escapes every variable; the subject
 * is flattened to one line so data cannot add headers.
 */
export async function renderEmailTemplate(
  template: EmailTemplate,
  data: Record<string, unknown>,
): Promise<RenderedEmail> {
  const subject = (await textEngine.parseAndRender(template.subject, data)).replace(/[\r\n]+/g, ' ').trim();
  const html = template.html === null ? null : await htmlEngine.parseAndRender(template.html, data);
  const text =
    template.text !== null ? await textEngine.parseAndRender(template.text, data) : htmlToText(html ?? '');
  return { subject, html, text };
}

/** A plain-text body for clients that do not show HTML, when the template has none. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(br|\/p|\/div|\/h[1-6]|\/li|\/tr)\s*\/?>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code: string) => String.fromCodePoint(parseInt(code, 16)))
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
