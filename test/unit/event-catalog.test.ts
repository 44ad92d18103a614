import { describe, expect, it } from 'vitest';
import { EVENT_CATALOG } from '../../src/db/seed/event-catalog';
import type { CatalogEventType, CatalogTemplate } from '../../src/db/seed/event-catalog-types';
import { sampleFor } from '../../src/domain/template-checks';
import { builtinSampleData, checkTemplate, htmlToText, oneLine, renderTemplate } from '../../src/domain/templates';

const EXPECTED_TYPES = [
  'vin_request.posted',
  'customer_order.created',
  'customer_order.posted',
  'client_refusal.by_order_posted',
  'client_refusal.posted',
  'supplier_refusal.posted',
  'goods_receipt.posted',
  'payment.registered',
  'work_order.completed',
  'order.ready_for_pickup',
  'counterparty.category_changed',
  'counterparty.block_status_changed',
  'transfer.posted',
  'repair_zone_task.created',
  'repair_zone_task.changed',
  'customer_return.decision',
  'transport_request.checklist_event',
];

const BUILT_IN_ROOTS = Object.keys(builtinSampleData());

const CYRILLIC = /[\u0400-\u04FF]/;

/** The type's examples over the built-in sample data, as previews and save-time checks use them. */
function sampleData(eventType: CatalogEventType): Record<string, unknown> {
  return sampleFor(eventType.variables);
}

/** The same, but only with the required variables: what the thinnest accepted event carries. */
function requiredOnlyData(eventType: CatalogEventType): Record<string, unknown> {
  return sampleFor(eventType.variables.filter((v) => v.required));
}

async function renderAll(template: CatalogTemplate, data: Record<string, unknown>) {
  return {
    subject: template.subject === undefined ? undefined : oneLine(await renderTemplate(template.subject, 'text', data)),
    html: template.html === undefined ? undefined : await renderTemplate(template.html, 'html', data),
    text: (await renderTemplate(template.text, 'text', data)).trim(),
  };
}

/** Every string in `data`, so Latin words that come from the data (codes, brands, ids) are allowed. */
function valuesOf(data: unknown): string {
  if (data === null || data === undefined) return '';
  if (typeof data === 'object') return Object.values(data).map(valuesOf).join(' ');
  return String(data);
}

/** Latin words a Russian business text may hold without them coming from the data. */
const ALLOWED_LATIN = new Set(['VIN']);

/**
 * What a Russian reader would stumble on in a rendered text: empty or nested
 * quotes, double spaces and stops, a noun repeated inside the quotes after it,
 * Latin words that neither the data nor the allowed list explain, raw phone numbers.
 */
function readingProblems(text: string, data: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (/«\s*»/.test(text)) problems.push('empty «»');
  if (/ {2}/.test(text)) problems.push('two spaces in a row');
  if (/\.\./.test(text)) problems.push('two full stops');
  if (/ [,.:;!?]/.test(text)) problems.push('a space before punctuation');
  let depth = 0;
  for (const ch of text) {
    if (ch === '«' && ++depth > 1) problems.push('nested «…«…»…»');
    if (ch === '»') depth--;
  }
  if (/склад\S*\s+«[^»]*склад/i.test(text)) problems.push('the noun repeated inside the quotes after it');
  if (/\+7\d{10}/.test(text)) problems.push('a phone number not formatted for people');
  const known = valuesOf(data);
  const words = text.replace(/https?:\/\/\S+/g, ' ').replace(/\S+@\S+/g, ' ').match(/[A-Za-z][A-Za-z0-9]*/g) ?? [];
  for (const word of words) {
    if (!ALLOWED_LATIN.has(word) && !known.includes(word)) problems.push(`a Latin word not from the data: ${word}`);
  }
  return problems;
}

/** Each rendered part a person reads: the subject, the text and the HTML as text. */
function readableParts(out: Awaited<ReturnType<typeof renderAll>>): string[] {
  // Table cells are read apart, as a mail client shows them.
  const html = out.html === undefined ? undefined : htmlToText(out.html.replace(/<\/t[dh]>/g, '\t'));
  return [out.subject, out.text, html].filter((p): p is string => p !== undefined);
}

const templateCases = EVENT_CATALOG.flatMap((eventType) =>
  eventType.templates.map((template) => ({
    label: `${eventType.type} ${template.audience}/${template.channel}`,
    eventType,
    template,
  })),
);
const byType = EVENT_CATALOG.map((eventType) => ({ label: eventType.type, eventType }));

describe('EVENT_CATALOG', () => {
  it('has exactly the 17 seeded event types, unique, with the stable machine names', () => {
    const types = EVENT_CATALOG.map((e) => e.type);
    expect(types).toEqual(EXPECTED_TYPES);
    expect(new Set(types).size).toBe(17);
  });

  it('takes the 16 ERP events from seed 002 and the checklist event from the logistics seed 000', () => {
    expect(EVENT_CATALOG.filter((e) => e.source === 'erp')).toHaveLength(16);
    const logistics = EVENT_CATALOG.filter((e) => e.source === 'logistics');
    expect(logistics.map((e) => e.type)).toEqual(['transport_request.checklist_event']);
    expect(logistics[0]!.channels).toEqual(['email']);
  });

  it.each(byType)('$label has a Russian name and description and declared variables', ({ eventType }) => {
    expect(eventType.name).toMatch(CYRILLIC);
    expect(eventType.description).toMatch(CYRILLIC);
    expect(eventType.variables.length).toBeGreaterThan(0);
    const names = eventType.variables.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    for (const variable of eventType.variables) {
      expect(variable.name).toMatch(/^[a-z][a-zA-Z0-9]*$/);
      expect(BUILT_IN_ROOTS).not.toContain(variable.name);
      expect(variable.description).toMatch(CYRILLIC);
      expect(variable.example).not.toBeUndefined();
    }
  });

  it.each(byType)('$label has a client template for every channel it lists, and manager templates when needed', ({
    eventType,
  }) => {
    expect(eventType.channels.length).toBeGreaterThan(0);
    expect(new Set(eventType.channels).size).toBe(eventType.channels.length);
    const has = (audience: string, channel: string) =>
      eventType.templates.some((t) => t.audience === audience && t.channel === channel);
    if (eventType.sendToClient) {
      for (const channel of eventType.channels) expect(has('client', channel), channel).toBe(true);
    }
    // Seed 002: "send to the responsible manager" can be turned on for any ERP event, by SMS with e-mail as reserve.
    if (eventType.source === 'erp') {
      for (const channel of ['sms', 'telegram', 'email']) expect(has('client', channel), channel).toBe(true);
      expect(eventType.managerChannels).toEqual(['sms', 'email']);
    }
    if (eventType.sendToManager || eventType.source === 'erp') {
      for (const channel of eventType.managerChannels) expect(has('manager', channel), `manager ${channel}`).toBe(true);
    } else {
      expect(eventType.templates.some((t) => t.audience === 'manager')).toBe(false);
    }
    const keys = eventType.templates.map((t) => `${t.audience}/${t.channel}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('keeps order.ready_for_pickup compatible with the demo template variables', () => {
    const ready = EVENT_CATALOG.find((e) => e.type === 'order.ready_for_pickup')!;
    expect(ready.variables.map((v) => v.name)).toEqual(
      expect.arrayContaining(['orderNumber', 'total', 'warehouse', 'pickupUntil']),
    );
    expect(ready.variables.filter((v) => v.required).map((v) => v.name)).toEqual(['orderNumber', 'total', 'warehouse']);
  });

  it.each(byType)('$label requires the variables its texts need and nothing described as optional', ({ eventType }) => {
    expect(eventType.variables.some((v) => v.required)).toBe(true);
    for (const variable of eventType.variables) {
      const optional = variable.description.includes('необязательно') || Array.isArray(variable.example);
      expect(variable.required === true, variable.name).toBe(!optional);
    }
  });

  it.each(templateCases)('$label renders with the examples and built-ins only', async ({ eventType, template }) => {
    const out = await renderAll(template, sampleData(eventType));
    expect(out.text.trim()).not.toBe('');
    expect(template.text).toMatch(CYRILLIC);
    expect(out.text).not.toMatch(/\{\{|\{%/);
    if (template.channel === 'email') {
      expect(template.subject).toBeTruthy();
      expect(template.html).toBeTruthy();
      expect(out.subject).toMatch(CYRILLIC);
      expect(out.subject).not.toMatch(/[\r\n]/);
      // Variables in HTML stay escaped: no `raw` filter.
      expect(template.html).not.toMatch(/\|\s*raw\b/);
    } else {
      expect(template.subject).toBeUndefined();
      expect(template.html).toBeUndefined();
      expect(out.text).not.toMatch(/<[a-z/][^>]*>/i);
    }
  });

  it.each(templateCases)('$label refers only to declared variables and built-ins (also inside conditions)', async ({
    eventType,
    template,
  }) => {
    // The save-time check: strict variables and filters, every root declared.
    const sample = sampleData(eventType);
    await expect(checkTemplate(template.text, 'text', sample)).resolves.toBeUndefined();
    if (template.subject !== undefined) await expect(checkTemplate(template.subject, 'text', sample)).resolves.toBeUndefined();
    if (template.html !== undefined) await expect(checkTemplate(template.html, 'html', sample)).resolves.toBeUndefined();
  });

  it.each(templateCases)('$label reads as a Russian business writes, with the examples and with required variables only', async ({
    eventType,
    template,
  }) => {
    for (const data of [sampleData(eventType), requiredOnlyData(eventType)]) {
      for (const part of readableParts(await renderAll(template, data))) {
        expect(readingProblems(part, data), part).toEqual([]);
      }
    }
  });

  it.each(templateCases.filter((c) => [c.template.text, c.template.html ?? ''].some((t) => t.includes('manager.phone'))))(
    '$label shows the manager\'s phone formatted for people',
    async ({ eventType, template }) => {
      const out = await renderAll(template, sampleData(eventType));
      expect(readableParts(out).join('\n')).toContain('+7 903 123-45-67');
    },
  );

  it('finds what it is meant to find in a text a Russian reader would stumble on', () => {
    const data = { warehouse: 'Центральный склад', client: { name: 'ООО «Ромашка»' }, code: 'GDB1330' };
    expect(readingProblems('Товар поступил на склад «Центральный склад».', data)).toContain('the noun repeated inside the quotes after it');
    expect(readingProblems('Клиент «ООО «Ромашка»» отказался.', data)).toContain('nested «…«…»…»');
    expect(readingProblems('Исполнитель Сергеев А. В..', data)).toContain('two full stops');
    expect(readingProblems('Склад  «».', data)).toEqual(expect.arrayContaining(['empty «»', 'two spaces in a row']));
    expect(readingProblems('Звоните: +79031234567', data)).toContain('a phone number not formatted for people');
    expect(readingProblems('Order GDB1330 is ready', data)).toEqual(['a Latin word not from the data: Order', 'a Latin word not from the data: is', 'a Latin word not from the data: ready']);
    expect(readingProblems('Артикул GDB1330, VIN-запрос, пишите на o.sokolova@example.ru', data)).toEqual([]);
  });

  it('escapes variables in the e-mail HTML', async () => {
    const ready = EVENT_CATALOG.find((e) => e.type === 'order.ready_for_pickup')!;
    const html = ready.templates.find((t) => t.audience === 'client' && t.channel === 'email')!.html!;
    const out = await renderTemplate(html, 'html', { ...sampleData(ready), warehouse: '<b>A & B</b>' });
    expect(out).toContain('&lt;b&gt;A &amp; B&lt;/b&gt;');
  });

  it.each(templateCases.filter((c) => c.template.channel === 'sms'))(
    '$label fits at most two UCS-2 SMS segments (134 characters)',
    async ({ eventType, template }) => {
      const text = await renderTemplate(template.text, 'text', sampleData(eventType));
      expect(text).toMatch(CYRILLIC);
      expect(text.length, text).toBeLessThanOrEqual(134);
      if (template.audience === 'client') expect(text.length, text).toBeLessThanOrEqual(70);
    },
  );

  it('renders the logistics e-mail subject as in the mailing', async () => {
    const checklist = EVENT_CATALOG.find((e) => e.type === 'transport_request.checklist_event')!;
    const mail = checklist.templates.find((t) => t.channel === 'email')!;
    const out = await renderAll(mail, sampleData(checklist));
    expect(out.subject).toBe('Заявка № ЗП-001874: Погрузка — 23.11.2026 14:30');
  });

  it('renders the unblocked branch of the block status SMS within one segment', async () => {
    const block = EVENT_CATALOG.find((e) => e.type === 'counterparty.block_status_changed')!;
    const smsTemplate = block.templates.find((t) => t.audience === 'client' && t.channel === 'sms')!;
    const text = await renderTemplate(smsTemplate.text, 'text', { ...sampleData(block), blocked: false });
    expect(text).toBe('Блокировка снята, отгрузки возобновлены.');
  });
});
