import { Liquid } from 'liquidjs';
import { describe, expect, it } from 'vitest';
import { EVENT_CATALOG } from '../../src/db/seed/event-catalog';
import type { CatalogEventType, CatalogTemplate } from '../../src/db/seed/event-catalog-types';

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

/** Built-in variables every template may use, with sample values. */
const BUILT_INS = {
  recipient: { name: 'Иван Петров' },
  client: { name: 'ООО «Ромашка»', id: 'demo-client' },
  company: { name: 'ООО «Автозапчасти Демо»' },
  manager: { name: 'Ольга Соколова', phone: '+79031234567', email: 'o.sokolova@demo-parts.example' },
};
const BUILT_IN_ROOTS = [...Object.keys(BUILT_INS), 'event'];

const options = { strictVariables: true, strictFilters: true, lenientIf: true } as const;
const textEngine = new Liquid(options);
const htmlEngine = new Liquid({ ...options, outputEscape: 'escape' });

const CYRILLIC = /[\u0400-\u04FF]/;

function sampleData(eventType: CatalogEventType): Record<string, unknown> {
  const data: Record<string, unknown> = { ...BUILT_INS, event: { id: 'evt-0001', type: eventType.type } };
  for (const variable of eventType.variables) data[variable.name] = variable.example;
  return data;
}

async function renderAll(template: CatalogTemplate, data: Record<string, unknown>) {
  return {
    subject: template.subject === undefined ? undefined : await textEngine.parseAndRender(template.subject, data),
    html: template.html === undefined ? undefined : await htmlEngine.parseAndRender(template.html, data),
    text: await textEngine.parseAndRender(template.text, data),
  };
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
    if (eventType.sendToManager) {
      expect(eventType.templates.some((t) => t.audience === 'manager')).toBe(true);
      if (eventType.source === 'erp') expect(has('manager', 'sms') && has('manager', 'email')).toBe(true);
    } else {
      expect(eventType.templates.some((t) => t.audience === 'manager')).toBe(false);
    }
    if (eventType.source === 'erp') {
      for (const channel of ['sms', 'telegram', 'email']) expect(has('client', channel), channel).toBe(true);
    }
    const keys = eventType.templates.map((t) => `${t.audience}/${t.channel}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('keeps order.ready_for_pickup compatible with the demo template variables', () => {
    const ready = EVENT_CATALOG.find((e) => e.type === 'order.ready_for_pickup')!;
    expect(ready.variables.map((v) => v.name)).toEqual(
      expect.arrayContaining(['orderNumber', 'total', 'warehouse', 'pickupUntil']),
    );
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

  it.each(templateCases)('$label refers only to declared variables and built-ins (also inside conditions)', ({
    eventType,
    template,
  }) => {
    const declared = new Set([...eventType.variables.map((v) => v.name), ...BUILT_IN_ROOTS]);
    for (const source of [template.subject, template.html, template.text]) {
      if (source === undefined) continue;
      for (const root of textEngine.globalVariablesSync(source)) expect(declared, root).toContain(root);
    }
  });

  it('escapes variables in the e-mail HTML', async () => {
    const ready = EVENT_CATALOG.find((e) => e.type === 'order.ready_for_pickup')!;
    const html = ready.templates.find((t) => t.audience === 'client' && t.channel === 'email')!.html!;
    const out = await htmlEngine.parseAndRender(html, { ...sampleData(ready), warehouse: '<b>A & B</b>' });
    expect(out).toContain('&lt;b&gt;A &amp; B&lt;/b&gt;');
  });

  it.each(templateCases.filter((c) => c.template.channel === 'sms'))(
    '$label fits at most two UCS-2 SMS segments (134 characters)',
    async ({ eventType, template }) => {
      const text = await textEngine.parseAndRender(template.text, sampleData(eventType));
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
    const text = await textEngine.parseAndRender(smsTemplate.text, { ...sampleData(block), blocked: false });
    expect(text).toBe('Блокировка снята, отгрузки возобновлены.');
  });
});
