import { Liquid, type Template } from 'liquidjs';

/**
 * Templates are data written by tenants: they must not reach the server's
 * files (`include`, `render` and `layout` see an empty in-memory store) nor
 * hold a process for long (size, time and memory limits).
 */
const SANDBOX = {
  templates: {},
  parseLimit: 200_000,
  renderLimit: 1_000,
  memoryLimit: 10_000_000,
} as const;

const htmlEngine = withFilters(new Liquid({ ...SANDBOX, outputEscape: 'escape', strictFilters: true, lenientIf: true }));
const textEngine = withFilters(new Liquid({ ...SANDBOX, strictFilters: true, lenientIf: true }));

/**
 * Parsed templates by kind and source, least recently used dropped first.
 * LiquidJS caches only templates it reads from files; ours are strings, and
 * every message would parse its template again. A changed template is a new
 * source, so nothing needs invalidating.
 */
const PARSED_LIMIT = 1_000;
const parsed = new Map<string, Template[]>();

function parseCached(engine: Liquid, kind: TemplateKind, source: string): Template[] {
  const key = `${kind}\u0000${source}`;
  let templates = parsed.get(key);
  if (templates) {
    parsed.delete(key);
  } else {
    templates = engine.parse(source);
    if (parsed.size >= PARSED_LIMIT) parsed.delete(parsed.keys().next().value!);
  }
  parsed.set(key, templates);
  return templates;
}
const strictHtmlEngine = withFilters(
  new Liquid({ ...SANDBOX, outputEscape: 'escape', strictFilters: true, strictVariables: true, lenientIf: true }),
);
const strictTextEngine = withFilters(new Liquid({ ...SANDBOX, strictFilters: true, strictVariables: true, lenientIf: true }));

/** The filters of our own that every engine knows, so a template that checks also renders. */
function withFilters(engine: Liquid): Liquid {
  engine.registerFilter('phone', (value: unknown) => formatPhone(value));
  return engine;
}

/**
 * A phone number as people read it: a Russian number (`+79161234567`,
 * `89161234567`, `9161234567`, with or without separators) becomes
 * `+7 916 123-45-67`; anything else is left as it was. The `phone` filter of
 * templates.
 */
export function formatPhone(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = String(value).trim();
  if (!/^[+\d\s()-]+$/.test(text)) return text;
  let digits = text.replace(/\D/g, '');
  if (digits.length === 10 && !text.startsWith('+')) digits = `7${digits}`;
  else if (digits.length === 11 && digits.startsWith('8') && !text.startsWith('+')) digits = `7${digits.slice(1)}`;
  if (digits.length !== 11 || !digits.startsWith('7')) return text;
  return `+7 ${digits.slice(1, 4)} ${digits.slice(4, 7)}-${digits.slice(7, 9)}-${digits.slice(9, 11)}`;
}

/** How a template's output is treated: HTML escapes every variable, text escapes nothing. */
export type TemplateKind = 'html' | 'text';

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

/** A template that does not parse or render, with where (1-based line and column). */
export class TemplateError extends Error {
  constructor(
    message: string,
    readonly line: number | undefined,
    readonly column: number | undefined,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

/**
 * Variables every template may use besides the event's own data, with
 * example values for previews and save-time checks.
 */
export function builtinSampleData(): Record<string, unknown> {
  return {
    recipient: { name: 'Иван Петров', email: 'ivan.petrov@example.ru', phone: '+79161234567' },
    client: { id: 'client-1', name: 'ООО «Ромашка»' },
    company: { name: 'ООО «Автозапчасти»' },
    manager: { name: 'Ольга Соколова', email: 'o.sokolova@example.ru', phone: '+79031234567' },
    event: { id: 'evt-1', type: 'order.ready_for_pickup', occurredAt: '2026-11-23T10:00:00Z' },
    legalEntity: { id: 'main', name: 'ООО «Автозапчасти»', signature: 'С уважением,\nотдел логистики ООО «Автозапчасти»\n+7 495 123-45-67' },
    subEvent: { code: 'loading', name: 'Погрузка' },
  };
}

/**
 * Checks a template before it is saved: it must parse, use only known filters,
 * and name only variables present in `sample` (so a typo fails now, not as a
 * blank at send time).
 * @throws TemplateError with the line and column of the problem.
 */
export async function checkTemplate(source: string, kind: TemplateKind, sample: Record<string, unknown>): Promise<void> {
  const engine = kind === 'html' ? strictHtmlEngine : strictTextEngine;
  try {
    const parsed = engine.parse(source);
    // Rendering alone misses variables that sit in a branch the sample does not take.
    for (const root of engine.globalVariablesSync(parsed)) {
      if (!(root in sample)) {
        const at = findVariable(source, root);
        throw new TemplateError(`undefined variable: ${root}`, at?.line, at?.column);
      }
    }
    await engine.render(parsed, sample);
  } catch (err) {
    throw toTemplateError(err);
  }
}

/** Renders one template; missing data renders empty, as at send time. */
export async function renderTemplate(source: string, kind: TemplateKind, data: Record<string, unknown>): Promise<string> {
  try {
    const engine = kind === 'html' ? htmlEngine : textEngine;
    return await engine.render(parseCached(engine, kind, source), data);
  } catch (err) {
    throw toTemplateError(err);
  }
}

/**
 * Renders an e-mail template. HTML output escapes every variable; the subject
 * is flattened to one line so data cannot add headers.
 */
export async function renderEmailTemplate(template: EmailTemplate, data: Record<string, unknown>): Promise<RenderedEmail> {
  const subject = oneLine(await renderTemplate(template.subject, 'text', data));
  const html = template.html === null ? null : await renderTemplate(template.html, 'html', data);
  const text = template.text !== null ? await renderTemplate(template.text, 'text', data) : htmlToText(html ?? '');
  return { subject, html, text };
}

/** A channel's template as stored (the plan's `ChannelTemplate`), for {@link renderChannelMessage}. */
export interface ChannelTemplateSource {
  subject?: string | null;
  html?: string | null;
  text?: string | null;
  fromName?: string | null;
  fromAddress?: string | null;
  legalEntity?: { id: string; name: string; signature: string } | null;
  attachments?: { filename: string; content: string; contentType: string }[] | null;
}

/** One rendered message of a channel: e-mail with subject, HTML, text and attachments; SMS and Telegram a trimmed text. */
export interface ChannelMessage {
  subject?: string;
  html?: string | null;
  text: string;
  fromName?: string | null;
  /** The legal entity's From address, when the template sends as one. */
  fromAddress?: string | null;
  attachments?: { filename: string; content: string; contentType: string }[];
}

/** Renders one recipient's message on one channel from its template (what the worker sends). */
export async function renderChannelMessage(channel: 'email' | 'sms' | 'telegram', template: ChannelTemplateSource, data: Record<string, unknown>): Promise<ChannelMessage> {
  if (channel === 'email') {
    const entity = template.legalEntity;
    if (entity) data = { ...data, legalEntity: entity };
    const rendered = await renderEmailTemplate({ subject: template.subject ?? '', html: template.html ?? null, text: template.text ?? null }, data);
    const email = entity ? withSignature(rendered, entity.signature, template) : rendered;
    const attachments = await Promise.all(
      (template.attachments ?? []).map(async (a) => ({
        filename: oneLine(await renderTemplate(a.filename, 'text', data)),
        content: await renderTemplate(a.content, 'text', data),
        contentType: a.contentType,
      })),
    );
    return {
      subject: email.subject,
      html: email.html,
      text: email.text,
      ...(template.fromName ? { fromName: template.fromName } : {}),
      ...(template.fromAddress ? { fromAddress: template.fromAddress } : {}),
      ...(attachments.length > 0 ? { attachments } : {}),
    };
  }
  return { text: (await renderTemplate(template.text ?? '', 'text', data)).trim() };
}

/**
 * Seed 000 "Наша компания": the legal entity's signature closes the letter. A
 * template that places it itself (names `legalEntity`) is left as it is;
 * otherwise the signature is appended to the text and the HTML.
 */
export function withSignature(email: RenderedEmail, signature: string, template: Pick<ChannelTemplateSource, 'subject' | 'html' | 'text'>): RenderedEmail {
  const sign = signature.trim();
  const sources = [template.subject, template.html, template.text].filter((x): x is string => typeof x === 'string');
  if (!sign || sources.some((source) => /\blegalEntity\b/.test(source))) return email;
  const escaped = sign.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\r?\n/g, '<br>');
  return {
    subject: email.subject,
    html: email.html === null ? null : `${email.html}\n<p>${escaped}</p>`,
    text: `${email.text.replace(/\s+$/, '')}\n\n${sign}`,
  };
}

/** Header values must stay on one line whatever the data holds. */
export function oneLine(value: string): string {
  return value.replace(/[\r\n]+/g, ' ').trim();
}

/**
 * Where a variable first appears as the start of a variable path inside an
 * output or a tag (not as a property like `recipient.name`, nor inside a
 * string literal), for the error's position.
 */
function findVariable(source: string, name: string): { line: number; column: number } | undefined {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const tag = /{{[\s\S]*?}}|{%[\s\S]*?%}/g;
  for (let m = tag.exec(source); m; m = tag.exec(source)) {
    const inner = m[0].replace(/'[^']*'|"[^"]*"/g, (literal) => ' '.repeat(literal.length));
    const hit = new RegExp(`(?<![\\w.\\]$])${escaped}(?![\\w])`).exec(inner);
    if (!hit) continue;
    const before = source.slice(0, m.index + hit.index).split('\n');
    return { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
  }
  return undefined;
}

function toTemplateError(err: unknown): TemplateError {
  if (err instanceof TemplateError) return err;
  const e = err as { message?: string; token?: { getPosition?: () => [number, number] } };
  const position = e.token?.getPosition?.();
  const message = (e.message ?? String(err)).replace(/, line:\d+, col:\d+$/, '');
  return new TemplateError(message, position?.[0], position?.[1]);
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
