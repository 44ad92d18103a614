import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeys, companies, providers } from '../../src/db/schema';
import { EVENT_CATALOG } from '../../src/db/seed/event-catalog';
import { createSecretBox } from '../../src/secrets';
import { buildEvent } from '../helpers/factories';
import { startTelegramBotApi, type TelegramBotApiPeer } from '../../src/dev/peers/telegram-bot-api';
import { createHarness, TEST_SECRETS_KEY, type Harness } from '../helpers/harness';

interface Detail {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

interface Change {
  id: number;
  actor: string;
  entity: string;
  entityId: string;
  action: string;
  before: unknown;
  after: unknown;
  at: string;
}

const CYRILLIC = /[А-Яа-яЁё]/;

/** Asserts the contract's error body and returns its details. */
function expectError(res: LightMyRequestResponse, status: number, code?: string): Detail[] {
  expect(res.statusCode, res.body).toBe(status);
  const body = res.json();
  expect(Object.keys(body)).toEqual(['error']);
  if (code !== undefined) expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(Array.isArray(body.error.details)).toBe(true);
  return body.error.details as Detail[];
}

/** The detail for `path`, failing with the whole list when it is missing. */
function detailAt(details: Detail[], path: string): Detail {
  const found = details.find((d) => d.path === path);
  expect(found, `no detail at ${path} in ${JSON.stringify(details)}`).toBeDefined();
  return found!;
}

/** A template error names the line and column both as fields and in its message. */
function expectPosition(detail: Detail, line: number, column?: number): void {
  expect(detail.line).toBe(line);
  expect(typeof detail.column).toBe('number');
  if (column !== undefined) expect(detail.column).toBe(column);
  expect(detail.message).toContain(`line ${line}`);
  expect(detail.message).toContain(`column ${detail.column}`);
}

describe('configuration through the API', () => {
  let h: Harness;
  /** The Bot API a saved token is checked against (getMe). */
  let botApi: TelegramBotApiPeer;
  /** `key:<id> demo admin`: how the configuration history names the harness's admin key. */
  let adminActor: string;

  beforeAll(async () => {
    botApi = await startTelegramBotApi({ token: '7012345678:AAE-tg-secret-Zq9xVbT3', botUsername: 'demo_parts_bot' });
    h = await createHarness({ worker: false, telegramApiRoot: botApi.apiRoot });
    const list = await h.request({ method: 'GET', url: '/v1/api-keys' });
    const admin = (list.json().items as { id: number; name: string }[]).find((k) => k.name === 'demo admin');
    if (!admin) throw new Error('the seeded admin key is not listed');
    adminActor = `key:${admin.id} demo admin`;
  });
  afterAll(async () => {
    await h?.close();
    await botApi?.stop();
  });

  const get = (url: string) => h.request({ method: 'GET', url });
  const put = (url: string, payload: unknown) => h.request({ method: 'PUT', url, payload: payload as object });
  const preview = (payload: unknown) => h.request({ method: 'POST', url: '/v1/templates/preview', payload: payload as object });
  const changes = async (query = ''): Promise<Change[]> => {
    const res = await get(`/v1/config-changes?limit=200${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items as Change[];
  };

  describe('event types (R7, R8)', () => {
    it('lists the 17 seeded event types of a new company in Russian, each with its variables', async () => {
      const res = await get('/v1/event-types');
      expect(res.statusCode, res.body).toBe(200);
      const items = res.json().items as {
        type: string;
        name: string;
        description: string;
        variables: { name: string; description: string; example: unknown }[];
      }[];
      const expected = [
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
      expect(EVENT_CATALOG.map((e) => e.type).sort()).toEqual([...expected].sort());
      expect(items.map((i) => i.type).sort()).toEqual([...expected].sort());
      for (const item of items) {
        expect(item.name, item.type).toMatch(CYRILLIC);
        expect(item.description, item.type).toMatch(CYRILLIC);
        expect(item.variables.length, item.type).toBeGreaterThan(0);
        for (const variable of item.variables) {
          expect(variable.name, item.type).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
          expect(variable.description, `${item.type}.${variable.name}`).toMatch(CYRILLIC);
          expect(variable.example, `${item.type}.${variable.name}`).not.toBeUndefined();
          expect(variable.example, `${item.type}.${variable.name}`).not.toBeNull();
        }
      }
    });

    it('shows one event type with its client templates', async () => {
      const res = await get('/v1/event-types/order.ready_for_pickup');
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body.type).toBe('order.ready_for_pickup');
      expect(body.name).toBe('Заказ клиента готов к выдаче');
      expect(body.variables.map((v: { name: string }) => v.name)).toEqual(['orderNumber', 'total', 'warehouse', 'pickupUntil']);
      expect(Object.keys(body.templates.client).sort()).toEqual(['email', 'sms', 'telegram']);
      expect(body.templates.client.email.subject).toBe('Заказ № {{ orderNumber }} готов к выдаче');
      expect(body.templates.client.sms.text).toContain('{{ orderNumber }}');
    });

    it('answers 404 for an event type the company does not have', async () => {
      expectError(await get('/v1/event-types/no.such_type'), 404, 'NOT_FOUND');
    });
  });

  describe('templates (R9)', () => {
    const type = 'order.ready_for_pickup';

    it.each([
      {
        problem: 'an unknown variable (a typo on line 2)',
        text: 'Заказ {{ orderNumber }} готов.\nСумма {{ totl }} ₽',
        line: 2,
        column: 10,
        mentions: 'totl',
      },
      {
        problem: 'an unclosed {% if %} tag',
        text: 'Заказ {{ orderNumber }} готов.\n{% if pickupUntil %}Ждём до {{ pickupUntil }}.',
        line: 2,
        column: 1,
        mentions: 'if',
      },
      {
        problem: 'a filter that does not exist',
        text: 'Заказ {{ orderNumber }} готов.\nСумма {{ total | money_rub }} ₽',
        line: 2,
        column: undefined,
        mentions: 'money_rub',
      },
    ])('refuses $problem with 422 TEMPLATE_ERROR naming the path, line and column, and changes nothing', async (c) => {
      const before = (await get(`/v1/event-types/${type}`)).json();
      const historyBefore = (await changes('&entity=event_type')).length;

      const res = await put(`/v1/event-types/${type}`, { active: false, templates: { client: { sms: { text: c.text } } } });
      const details = expectError(res, 422, 'TEMPLATE_ERROR');
      const detail = detailAt(details, '/body/templates/client/sms/text');
      expectPosition(detail, c.line, c.column);
      expect(detail.message).toContain(c.mentions);
      expect(res.json().error.message).toContain(`line ${c.line}`);

      const after = (await get(`/v1/event-types/${type}`)).json();
      expect(after.templates.client.sms.text).toBe(before.templates.client.sms.text);
      expect(after.active).toBe(before.active);
      expect(after.updatedAt).toBe(before.updatedAt);
      expect((await changes('&entity=event_type')).length).toBe(historyBefore);
    });

    it('reports the line of an unknown variable, not of a property with the same name earlier in the template', async () => {
      // `name` alone is not a variable of the event; `recipient.name` on line 1 is fine.
      const res = await put(`/v1/event-types/${type}`, {
        templates: { client: { sms: { text: 'Здравствуйте, {{ recipient.name }}!\nЗаказ для {{ name }} готов.' } } },
      });
      const detail = detailAt(expectError(res, 422, 'TEMPLATE_ERROR'), '/body/templates/client/sms/text');
      expect(detail.message).toContain('name');
      expectPosition(detail, 2, 14);
    });

    it('refuses an HTML body with a broken tag in e-mail, naming the html path', async () => {
      const res = await put(`/v1/event-types/${type}`, {
        templates: {
          client: {
            email: { subject: 'Заказ {{ orderNumber }}', html: '<p>Заказ {{ orderNumber }}</p>\n<p>{% for x in %}</p>', text: 'Заказ {{ orderNumber }}' },
          },
        },
      });
      const detail = detailAt(expectError(res, 422, 'TEMPLATE_ERROR'), '/body/templates/client/email/html');
      expectPosition(detail, 2);
    });

    it('saves a valid template, and the preview renders it in Cyrillic from the event type\'s examples', async () => {
      const text = 'Заказ {{ orderNumber }} на {{ total }} ₽ ждёт вас на складе «{{ warehouse }}».';
      const res = await put(`/v1/event-types/${type}`, { templates: { client: { sms: { text } } } });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().templates.client.sms.text).toBe(text);
      expect((await get(`/v1/event-types/${type}`)).json().templates.client.sms.text).toBe(text);

      const shown = await preview({ channel: 'sms', template: text, eventType: type });
      expect(shown.statusCode, shown.body).toBe(200);
      expect(shown.json().text).toBe('Заказ ЗК-000123 на 15 480,00 ₽ ждёт вас на складе «Склад на Складской, 5».');
      expect(shown.json().sms.encoding).toBe('UCS-2');

      const withData = await preview({
        channel: 'sms',
        template: text,
        eventType: type,
        data: { orderNumber: 'ЗК-999', total: '1,00', warehouse: 'Южный' },
      });
      expect(withData.statusCode, withData.body).toBe(200);
      expect(withData.json().text).toBe('Заказ ЗК-999 на 1,00 ₽ ждёт вас на складе «Южный».');
    });

    it('previews an e-mail template with the built-in variables and explicit data', async () => {
      const res = await preview({
        channel: 'email',
        template: { subject: 'Счёт {{ invoice }}', html: '<p>{{ recipient.name }}, счёт {{ invoice }}</p>', text: null },
        data: { invoice: 'СЧ-77' },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ channel: 'email', subject: 'Счёт СЧ-77', html: '<p>Иван Петров, счёт СЧ-77</p>', text: 'Иван Петров, счёт СЧ-77' });
    });

    it('refuses a preview whose template does not parse with 422 and the line and column', async () => {
      const unclosed = await preview({ channel: 'telegram', template: 'Привет!\n{% if x %}текст', data: { x: 1 } });
      expectPosition(detailAt(expectError(unclosed, 422, 'TEMPLATE_ERROR'), '/body/template'), 2, 1);

      const typo = await preview({ channel: 'sms', template: 'Заказ\n  {{ ordrNumber }}', eventType: type });
      const detail = detailAt(expectError(typo, 422, 'TEMPLATE_ERROR'), '/body/template');
      expectPosition(detail, 2, 6);
      expect(detail.message).toContain('ordrNumber');

      const filter = await preview({
        channel: 'email',
        template: { subject: 'Тема', html: '<p>ok</p>\n<p>{{ recipient.name | shout }}</p>' },
      });
      expectPosition(detailAt(expectError(filter, 422, 'TEMPLATE_ERROR'), '/body/template/html'), 2);
    });

    it('creates a custom event type (a name is required) that events can then use', async () => {
      const custom = 'custom.invoice_issued';
      const nameless = await put(`/v1/event-types/${custom}`, { variables: [] });
      detailAt(expectError(nameless, 400), '/body/name');
      expectError(await get(`/v1/event-types/${custom}`), 404);

      const undeclared = await put(`/v1/event-types/${custom}`, {
        name: 'Выставлен счёт',
        variables: [{ name: 'invoiceNumber', description: 'Номер счёта', example: 'СЧ-000001' }],
        templates: { client: { sms: { text: 'Счёт {{ invoiceNumber }} на {{ amount }} ₽' } } },
      });
      expectPosition(detailAt(expectError(undeclared, 422, 'TEMPLATE_ERROR'), '/body/templates/client/sms/text'), 1, 32);
      expectError(await get(`/v1/event-types/${custom}`), 404);

      const created = await put(`/v1/event-types/${custom}`, {
        name: 'Выставлен счёт',
        description: 'Когда клиенту выставлен счёт на оплату.',
        variables: [
          { name: 'invoiceNumber', description: 'Номер счёта', example: 'СЧ-000001' },
          { name: 'amount', description: 'Сумма счёта, ₽', example: '12 300,00' },
        ],
        channels: ['sms', 'email'],
        templates: {
          client: {
            sms: { text: 'Счёт {{ invoiceNumber }} на {{ amount }} ₽' },
            email: { subject: 'Счёт № {{ invoiceNumber }}', html: '<p>Счёт № {{ invoiceNumber }} на {{ amount }} ₽.</p>' },
          },
          manager: { email: { subject: 'Счёт клиенту {{ client.name }}', text: 'Счёт {{ invoiceNumber }}' } },
        },
      });
      expect(created.statusCode, created.body).toBe(200);
      const shown = (await get(`/v1/event-types/${custom}`)).json();
      expect(shown).toMatchObject({
        type: custom,
        name: 'Выставлен счёт',
        source: 'custom',
        channels: ['sms', 'email'],
        variables: [
          { name: 'invoiceNumber', description: 'Номер счёта', example: 'СЧ-000001' },
          { name: 'amount', description: 'Сумма счёта, ₽', example: '12 300,00' },
        ],
      });
      expect(shown.templates.client.sms.text).toBe('Счёт {{ invoiceNumber }} на {{ amount }} ₽');
      expect(shown.templates.manager.email.subject).toBe('Счёт клиенту {{ client.name }}');
      expect((await get('/v1/event-types')).json().items.map((t: { type: string }) => t.type)).toContain(custom);

      const rendered = await preview({ channel: 'sms', template: shown.templates.client.sms.text, eventType: custom });
      expect(rendered.json().text).toBe('Счёт СЧ-000001 на 12 300,00 ₽');

      const posted = await h.request({
        method: 'POST',
        url: '/v1/events',
        payload: buildEvent({ type: custom, data: { invoiceNumber: 'СЧ-000042', amount: '500,00' } }),
      });
      expect(posted.statusCode, posted.body).toBe(202);
    });
  });

  describe('SMS preview (R10)', () => {
    const cyrillic = (n: number) => 'ж'.repeat(n);
    const latin = (n: number) => 'a'.repeat(n);
    it.each([
      // Cyrillic: 70 single, 67 per part.
      { text: cyrillic(70), what: '70 Cyrillic', encoding: 'UCS-2', length: 70, segments: 1, perSegment: 70 },
      { text: cyrillic(71), what: '71 Cyrillic', encoding: 'UCS-2', length: 71, segments: 2, perSegment: 67 },
      { text: cyrillic(134), what: '134 Cyrillic', encoding: 'UCS-2', length: 134, segments: 2, perSegment: 67 },
      { text: cyrillic(135), what: '135 Cyrillic', encoding: 'UCS-2', length: 135, segments: 3, perSegment: 67 },
      { text: cyrillic(201), what: '201 Cyrillic', encoding: 'UCS-2', length: 201, segments: 3, perSegment: 67 },
      { text: cyrillic(202), what: '202 Cyrillic', encoding: 'UCS-2', length: 202, segments: 4, perSegment: 67 },
      { text: cyrillic(268), what: '268 Cyrillic', encoding: 'UCS-2', length: 268, segments: 4, perSegment: 67 },
      { text: cyrillic(269), what: '269 Cyrillic', encoding: 'UCS-2', length: 269, segments: 5, perSegment: 67 },
      // Latin: 160 single, 153 per part.
      { text: latin(160), what: '160 Latin', encoding: 'GSM-7', length: 160, segments: 1, perSegment: 160 },
      { text: latin(161), what: '161 Latin', encoding: 'GSM-7', length: 161, segments: 2, perSegment: 153 },
      { text: latin(306), what: '306 Latin', encoding: 'GSM-7', length: 306, segments: 2, perSegment: 153 },
      { text: latin(307), what: '307 Latin', encoding: 'GSM-7', length: 307, segments: 3, perSegment: 153 },
      { text: latin(459), what: '459 Latin', encoding: 'GSM-7', length: 459, segments: 3, perSegment: 153 },
      { text: latin(460), what: '460 Latin', encoding: 'GSM-7', length: 460, segments: 4, perSegment: 153 },
      { text: latin(612), what: '612 Latin', encoding: 'GSM-7', length: 612, segments: 4, perSegment: 153 },
      { text: latin(613), what: '613 Latin', encoding: 'GSM-7', length: 613, segments: 5, perSegment: 153 },
      // One Cyrillic letter makes the whole text UCS-2.
      { text: latin(69) + 'ж', what: '69 Latin + 1 Cyrillic', encoding: 'UCS-2', length: 70, segments: 1, perSegment: 70 },
      { text: latin(70) + 'ж', what: '70 Latin + 1 Cyrillic', encoding: 'UCS-2', length: 71, segments: 2, perSegment: 67 },
      { text: 'Order ' + latin(127) + ' ready, склад', what: '146 mixed', encoding: 'UCS-2', length: 146, segments: 3, perSegment: 67 },
      // GSM-7 extension characters count twice.
      { text: '€'.repeat(80), what: '80 euro signs', encoding: 'GSM-7', length: 160, segments: 1, perSegment: 160 },
      { text: '€'.repeat(81), what: '81 euro signs', encoding: 'GSM-7', length: 162, segments: 2, perSegment: 153 },
      { text: latin(158) + '€', what: '158 Latin + euro', encoding: 'GSM-7', length: 160, segments: 1, perSegment: 160 },
      { text: latin(159) + '€', what: '159 Latin + euro', encoding: 'GSM-7', length: 161, segments: 2, perSegment: 153 },
      { text: latin(158) + '{', what: '158 Latin + brace', encoding: 'GSM-7', length: 160, segments: 1, perSegment: 160 },
      { text: latin(304) + '[]', what: '304 Latin + two brackets', encoding: 'GSM-7', length: 308, segments: 3, perSegment: 153 },
    ])('counts $what as $encoding, $length characters, $segments segment(s) of $perSegment', async (c) => {
      const res = await preview({ channel: 'sms', template: c.text });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body.text).toBe(c.text);
      expect(body.sms).toMatchObject({ encoding: c.encoding, length: c.length, segments: c.segments, perSegment: c.perSegment });
    });

    it('counts the rendered text, not the template', async () => {
      const res = await preview({ channel: 'sms', template: '{{ code }}', data: { code: 'a'.repeat(161) } });
      expect(res.json().sms).toMatchObject({ encoding: 'GSM-7', length: 161, segments: 2, perSegment: 153 });
    });
  });

  describe('escaping', () => {
    const data = { comment: '<script>alert(1)</script>' };

    it('escapes data in the HTML of an e-mail preview and leaves SMS text unescaped', async () => {
      const email = await preview({
        channel: 'email',
        template: { subject: 'Комментарий', html: '<p>Комментарий: {{ comment }}</p>', text: 'Комментарий: {{ comment }}' },
        data,
      });
      expect(email.statusCode, email.body).toBe(200);
      expect(email.json().html).toBe('<p>Комментарий: &lt;script&gt;alert(1)&lt;/script&gt;</p>');
      expect(email.json().html).not.toContain('<script>');

      const sms = await preview({ channel: 'sms', template: 'Комментарий: {{ comment }}', data });
      expect(sms.statusCode, sms.body).toBe(200);
      expect(sms.json().text).toBe('Комментарий: <script>alert(1)</script>');
      expect(sms.json().text).not.toContain('&lt;');

      const telegram = await preview({ channel: 'telegram', template: '{{ comment }}', data });
      expect(telegram.json().text).toBe('<script>alert(1)</script>');
    });
  });

  describe('settings and secrets (R1, R2, R4, R5)', () => {
    const TG_TOKEN = '7012345678:AAE-tg-secret-Zq9xVbT3';
    const SMPP_PASSWORD = 'smpp-pass-Qx81Lw';
    const SMSRU_API_ID = 'smsru-apiid-5D3F7A19';
    const SECRET_VALUES = [TG_TOKEN, SMPP_PASSWORD, SMSRU_API_ID];
    const box = createSecretBox(TEST_SECRETS_KEY);
    const smpp = {
      id: 'smsc',
      kind: 'smpp',
      name: 'SMPP-шлюз',
      config: { host: '127.0.0.1', port: 2775, systemId: 'demo', sourceAddr: 'DEMO' },
    };
    const smsRu = { id: 'smsru', kind: 'sms_ru', name: 'SMS.ru' };

    const expectNoSecrets = (text: string) => {
      for (const secret of SECRET_VALUES) expect(text).not.toContain(secret);
    };

    /** Every row of every table of the test database as JSON text: a secret must not be in any of it. */
    const dumpDatabase = async (): Promise<string> => {
      const tables = await h.db.execute<{ table_name: string }>(
        sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
      );
      let dump = '';
      for (const { table_name } of tables.rows) {
        const rows = await h.db.execute(sql`select row_to_json(t)::text as row from ${sql.identifier(table_name)} t`);
        dump += rows.rows.map((r) => String(r.row)).join('\n');
      }
      return dump;
    };

    const providerSecrets = async (id: string): Promise<string | null> => {
      const [row] = await h.db.select({ secrets: providers.secrets }).from(providers).where(eq(providers.id, id));
      return row?.secrets ?? null;
    };
    const companySecrets = async (): Promise<string | null> => {
      const [row] = await h.db.select({ secrets: companies.secrets }).from(companies).where(eq(companies.id, h.companyId));
      return row?.secrets ?? null;
    };

    it('never shows a secret in the answer, the settings, the history or the database, and keeps it encrypted', async () => {
      const res = await put('/v1/settings', {
        telegram: { botToken: TG_TOKEN, botUsername: 'demo_parts_bot' },
        providers: [
          { ...smpp, secrets: { password: SMPP_PASSWORD } },
          { ...smsRu, secrets: { apiId: SMSRU_API_ID } },
        ],
        sms: { primaryProviderId: 'smsc', balanceThreshold: 100 },
      });
      expect(res.statusCode, res.body).toBe(200);
      expectNoSecrets(res.body);

      const shown = await get('/v1/settings');
      expect(shown.statusCode, shown.body).toBe(200);
      expectNoSecrets(shown.body);
      for (const body of [res.json(), shown.json()]) {
        expect(body.telegram).toMatchObject({ botUsername: 'demo_parts_bot', botToken: { set: true } });
        expect(body.sms).toEqual({ primaryProviderId: 'smsc', balanceThreshold: 100, balanceUnit: { code: 'messages', unit: 'messages', currency: null, label: 'SMS' } });
        expect(body.providers).toEqual([
          { ...smpp, secrets: { password: { set: true } } },
          { ...smsRu, config: {}, secrets: { apiId: { set: true } } },
        ]);
      }

      const history = await get('/v1/config-changes?entity=settings');
      expect(history.statusCode, history.body).toBe(200);
      expectNoSecrets(history.body);
      const [latest] = history.json().items as Change[];
      expect(latest).toMatchObject({ entity: 'settings', action: 'update', actor: adminActor });
      expect(latest?.after).toMatchObject({ sms: { primaryProviderId: 'smsc', balanceThreshold: 100 }, telegram: { botToken: { set: true } } });
      expect(latest?.before).toMatchObject({ sms: { primaryProviderId: null }, telegram: { botToken: { set: false } } });

      const sealedCompany = await companySecrets();
      const sealedSmpp = await providerSecrets('smsc');
      const sealedSmsRu = await providerSecrets('smsru');
      for (const sealed of [sealedCompany, sealedSmpp, sealedSmsRu]) {
        expect(sealed).not.toBeNull();
        expectNoSecrets(sealed!);
        expectNoSecrets(Buffer.from(sealed!.replace(/^v1:/, ''), 'base64').toString('utf8'));
      }
      expect(box.open(sealedCompany!)).toEqual({ telegramBotToken: TG_TOKEN });
      expect(box.open(sealedSmpp!)).toEqual({ password: SMPP_PASSWORD });
      expect(box.open(sealedSmsRu!)).toEqual({ apiId: SMSRU_API_ID });
      expectNoSecrets(await dumpDatabase());
    });

    it('keeps a secret left out of a later change and removes one set to null', async () => {
      const res = await put('/v1/settings', {
        telegram: { chatWithClient: true, autoReply: 'Напишите вашему менеджеру.' },
        providers: [
          { ...smpp, name: 'SMPP-шлюз (основной)' },
          { ...smsRu, secrets: { apiId: null } },
        ],
      });
      expect(res.statusCode, res.body).toBe(200);
      expectNoSecrets(res.body);
      const body = (await get('/v1/settings')).json();
      expect(body.telegram).toMatchObject({ chatWithClient: true, autoReply: 'Напишите вашему менеджеру.', botUsername: 'demo_parts_bot', botToken: { set: true } });
      expect(body.providers).toEqual([
        { ...smpp, name: 'SMPP-шлюз (основной)', secrets: { password: { set: true } } },
        { ...smsRu, config: {}, secrets: { apiId: { set: false } } },
      ]);
      expect(body.sms).toEqual({ primaryProviderId: 'smsc', balanceThreshold: 100, balanceUnit: { code: 'messages', unit: 'messages', currency: null, label: 'SMS' } });
      expect(box.open((await providerSecrets('smsc'))!)).toEqual({ password: SMPP_PASSWORD });
      expect(await providerSecrets('smsru')).toBeNull();
      expect(box.open((await companySecrets())!)).toEqual({ telegramBotToken: TG_TOKEN });

      const removed = await put('/v1/settings', { telegram: { botToken: null } });
      expect(removed.statusCode, removed.body).toBe(200);
      expect(removed.json().telegram.botToken).toEqual({ set: false });
      expect((await get('/v1/settings')).json().telegram.botToken).toEqual({ set: false });
      expect(await companySecrets()).toBeNull();
      expect(box.open((await providerSecrets('smsc'))!)).toEqual({ password: SMPP_PASSWORD });
    });

    it('refuses a primary SMS provider that is unknown or not an SMS provider with 422, changing nothing', async () => {
      const before = (await get('/v1/settings')).json();
      const unknown = await put('/v1/settings', { sms: { primaryProviderId: 'nope' } });
      detailAt(expectError(unknown, 422), '/body/sms/primaryProviderId');

      const telegram = await put('/v1/settings', {
        providers: [smpp, smsRu, { id: 'tg', kind: 'telegram', name: 'Бот' }],
        sms: { primaryProviderId: 'tg' },
      });
      detailAt(expectError(telegram, 422), '/body/sms/primaryProviderId');
      expect((await get('/v1/settings')).json()).toEqual(before);
    });

    it('never shows a primary SMS provider that the directory no longer has', async () => {
      // Replacing the directory without "smsc", the primary: either refused, or the primary no longer names it.
      // (The channel registry silently falls back to the built-in provider for a primary it cannot find.)
      try {
        const dropped = await put('/v1/settings', { providers: [smsRu] });
        if (dropped.statusCode !== 200) expectError(dropped, 422);
        const after = (await get('/v1/settings')).json();
        const smsIds = (after.providers as { id: string; kind: string }[]).filter((p) => ['smpp', 'sms_ru'].includes(p.kind)).map((p) => p.id);
        expect([null, ...smsIds]).toContain(after.sms.primaryProviderId);
      } finally {
        const restored = await put('/v1/settings', { providers: [smpp, smsRu], sms: { primaryProviderId: 'smsc' } });
        expect(restored.statusCode, restored.body).toBe(200);
      }
    });

    it('refuses a secret put into a provider\'s config with 400 naming the field, without echoing it', async () => {
      const before = (await get('/v1/settings')).json();
      const res = await put('/v1/settings', {
        providers: [{ ...smpp, config: { ...smpp.config, password: SMPP_PASSWORD } }],
      });
      const detail = detailAt(expectError(res, 400, 'VALIDATION_ERROR'), '/body/providers/0/config/password');
      expect(detail.message).toMatch(/secret/);
      expectNoSecrets(res.body);
      expect((await get('/v1/settings')).json()).toEqual(before);
    });

    it('refuses a balance threshold other than none, 50, 100 or 200 with 400', async () => {
      const res = await put('/v1/settings', { sms: { balanceThreshold: 75 } });
      detailAt(expectError(res, 400, 'VALIDATION_ERROR'), '/body/sms/balanceThreshold');
      const none = await put('/v1/settings', { sms: { balanceThreshold: 'none' } });
      expect(none.statusCode, none.body).toBe(200);
      expect(none.json().sms.balanceThreshold).toBe('none');
    });
  });

  describe('counterparties, contacts and overrides (R11, R12)', () => {
    const optOutType = 'payment.registered';

    it('gives a new client each event type\'s "send for new clients" default', async () => {
      const changed = await put(`/v1/event-types/${optOutType}`, { defaultSendForNewClients: false });
      expect(changed.statusCode, changed.body).toBe(200);
      expect(changed.json().defaultSendForNewClients).toBe(false);

      const created = await put('/v1/counterparties/client-a', { name: 'ООО «Альфа»' });
      expect(created.statusCode, created.body).toBe(200);
      const types = (await get('/v1/event-types')).json().items as { type: string; defaultSendForNewClients: boolean }[];
      const overrides = created.json().overrides as Record<string, { send: boolean; templates: object; attachments: unknown }>;
      expect(Object.keys(overrides).sort()).toEqual(types.map((t) => t.type).sort());
      for (const t of types) expect(overrides[t.type]?.send, t.type).toBe(t.defaultSendForNewClients);
      expect(overrides[optOutType]?.send).toBe(false);
      expect(overrides['order.ready_for_pickup']).toEqual({ send: true, templates: {}, attachments: null });
      expect((await get('/v1/counterparties/client-a')).json().overrides).toEqual(overrides);
    });

    it('changes only that client when one client gets an override', async () => {
      expect((await put('/v1/counterparties/client-b', { name: 'ООО «Бета»' })).statusCode).toBe(200);
      const own = { sms: { text: 'Для Альфы: заказ {{ orderNumber }} готов.' } };
      const res = await put('/v1/counterparties/client-a', {
        name: 'ООО «Альфа»',
        overrides: {
          'order.ready_for_pickup': { send: false },
          'customer_order.created': { templates: own },
          [optOutType]: { send: true },
        },
      });
      expect(res.statusCode, res.body).toBe(200);

      const a = (await get('/v1/counterparties/client-a')).json();
      expect(a.overrides['order.ready_for_pickup']).toMatchObject({ send: false, templates: {} });
      expect(a.overrides['customer_order.created']).toMatchObject({ send: true, templates: own });
      expect(a.overrides[optOutType].send).toBe(true);

      const b = (await get('/v1/counterparties/client-b')).json();
      expect(b.overrides['order.ready_for_pickup']).toEqual({ send: true, templates: {}, attachments: null });
      expect(b.overrides['customer_order.created']).toEqual({ send: true, templates: {}, attachments: null });
      expect(b.overrides[optOutType].send).toBe(false);
      const demo = (await get('/v1/counterparties/demo-client')).json();
      expect(demo.overrides['order.ready_for_pickup'].send).toBe(true);
      expect(demo.overrides['customer_order.created'].templates).toEqual({});
    });

    it('refuses an override template with a typo with 422 naming the path and line, and an unknown event type', async () => {
      const res = await put('/v1/counterparties/client-a', {
        name: 'ООО «Альфа»',
        overrides: { 'order.ready_for_pickup': { templates: { sms: { text: 'Заказ {{ orderNumber }}\nготов до {{ pickupUntill }}' } } } },
      });
      const detail = detailAt(expectError(res, 422), '/body/overrides/order.ready_for_pickup/templates/sms/text');
      expectPosition(detail, 2, 13);
      expect((await get('/v1/counterparties/client-a')).json().overrides['order.ready_for_pickup'].templates).toEqual({});

      const unknown = await put('/v1/counterparties/client-a', { overrides: { 'no.such_type': { send: false } } });
      detailAt(expectError(unknown, 422), '/body/overrides/no.such_type');
    });

    it('stores phones in E.164, refuses a bad one with its path, and replaces contacts as a list', async () => {
      const bad = await put('/v1/counterparties/client-a', { contacts: [{ name: 'Иван', phone: '12345' }] });
      detailAt(expectError(bad, 400, 'VALIDATION_ERROR'), '/body/contacts/0/phone');

      const first = await put('/v1/counterparties/client-a', {
        name: 'ООО «Альфа»',
        contacts: [
          { name: 'Иван Петров', email: 'ivan@alfa.example', phone: '+7 916 123-45-67' },
          { name: 'Анна Смирнова', phone: '+7 (916) 765-43-21' },
        ],
      });
      expect(first.statusCode, first.body).toBe(200);
      const [ivan, anna] = first.json().contacts as { id: number; name: string; phone: string | null; email: string | null }[];
      expect(ivan).toMatchObject({ name: 'Иван Петров', email: 'ivan@alfa.example', phone: '+79161234567' });
      expect(anna).toMatchObject({ name: 'Анна Смирнова', phone: '+79167654321', email: null });

      const second = await put('/v1/counterparties/client-a', {
        name: 'ООО «Альфа»',
        contacts: [{ id: ivan!.id, name: 'Иван Петрович Петров', phone: '+79161234567' }, { name: 'Пётр Сидоров', email: 'petr@alfa.example' }],
      });
      expect(second.statusCode, second.body).toBe(200);
      const list = (await get('/v1/counterparties/client-a')).json().contacts as { id: number; name: string; email: string | null }[];
      expect(list.map((c) => c.name)).toEqual(['Иван Петрович Петров', 'Пётр Сидоров']);
      expect(list[0]?.id).toBe(ivan!.id);
      expect(list[0]?.email).toBeNull();
      expect(list.map((c) => c.id)).not.toContain(anna!.id);
      expect(list[1]?.id).not.toBe(anna!.id);
    });

    it('changes an existing client with a PUT that carries only overrides, or only contacts', async () => {
      // "Fields left out keep their value": the name need not be sent again.
      expect((await put('/v1/counterparties/client-p', { name: 'ООО «Частичное»' })).statusCode).toBe(200);
      const overrides = await put('/v1/counterparties/client-p', { overrides: { 'order.ready_for_pickup': { send: false } } });
      expect(overrides.statusCode, overrides.body).toBe(200);
      expect(overrides.json()).toMatchObject({ name: 'ООО «Частичное»', overrides: { 'order.ready_for_pickup': { send: false } } });

      const contacts = await put('/v1/counterparties/client-p', { contacts: [{ name: 'Ольга', phone: '+7 916 000-11-22' }] });
      expect(contacts.statusCode, contacts.body).toBe(200);
      expect(contacts.json().contacts).toMatchObject([{ name: 'Ольга', phone: '+79160001122' }]);
      expect(contacts.json().name).toBe('ООО «Частичное»');
    });

    it('refuses an unknown manager with 422, and works with managers that exist', async () => {
      const unknown = await put('/v1/counterparties/client-a', { managerId: 'manager-404' });
      detailAt(expectError(unknown, 422), '/body/managerId');

      const badPhone = await put('/v1/managers/manager-2', { name: 'Пётр', phone: '12345' });
      detailAt(expectError(badPhone, 400, 'VALIDATION_ERROR'), '/body/phone');

      const manager = await put('/v1/managers/manager-2', { name: 'Пётр Иванов', email: 'p.ivanov@demo-parts.example', phone: '+7 903 765-43-21' });
      expect(manager.statusCode, manager.body).toBe(200);
      const expected = { id: 'manager-2', name: 'Пётр Иванов', email: 'p.ivanov@demo-parts.example', phone: '+79037654321', telegramChatId: null };
      expect(manager.json()).toEqual(expected);
      expect((await get('/v1/managers/manager-2')).json()).toEqual(expected);
      expect((await get('/v1/managers')).json().items.map((m: { id: string }) => m.id)).toEqual(['manager-1', 'manager-2']);

      const assigned = await put('/v1/counterparties/client-a', { managerId: 'manager-2' });
      expect(assigned.statusCode, assigned.body).toBe(200);
      expect((await get('/v1/counterparties/client-a')).json().managerId).toBe('manager-2');
    });

    it('gives existing clients the default of a custom event type created later', async () => {
      const res = await put('/v1/event-types/custom.opt_in_only', { name: 'Только по согласию', defaultSendForNewClients: false });
      expect(res.statusCode, res.body).toBe(200);
      for (const id of ['client-a', 'client-b', 'demo-client']) {
        expect((await get(`/v1/counterparties/${id}`)).json().overrides['custom.opt_in_only']?.send, id).toBe(false);
      }
    });
  });

  describe('API keys (R18)', () => {
    it('shows a new key once, stores only its hash, lets it act with its roles and refuses it once revoked', async () => {
      const created = await h.request({ method: 'POST', url: '/v1/api-keys', payload: { name: 'витрина', roles: ['templates:read'] } });
      expect(created.statusCode, created.body).toBe(201);
      const { id, key, roles } = created.json() as { id: number; key: string; roles: string[] };
      expect(roles).toEqual(['templates:read']);
      expect(key.length).toBeGreaterThanOrEqual(32);

      const list = await get('/v1/api-keys');
      expect(list.body).not.toContain(key);
      const listed = (list.json().items as { id: number; name: string; revokedAt: string | null }[]).find((k) => k.id === id);
      expect(listed).toMatchObject({ name: 'витрина', roles: ['templates:read'], revokedAt: null });
      expect(Object.keys(listed!)).not.toContain('key');

      const [row] = await h.db.select().from(apiKeys).where(eq(apiKeys.id, id));
      expect(JSON.stringify(row)).not.toContain(key);
      expect(row?.keyHash).toBe(createHash('sha256').update(key, 'utf8').digest('hex'));

      const read = await h.request({ method: 'GET', url: '/v1/event-types', key });
      expect(read.statusCode).toBe(200);
      const write = await h.request({ method: 'PUT', url: '/v1/event-types/order.ready_for_pickup', payload: { active: true }, key });
      expectError(write, 403, 'FORBIDDEN');

      const revoked = await h.request({ method: 'DELETE', url: `/v1/api-keys/${id}` });
      expect(revoked.statusCode, revoked.body).toBe(204);
      expectError(await h.request({ method: 'GET', url: '/v1/event-types', key }), 401, 'UNAUTHORIZED');
      const after = (await get('/v1/api-keys')).json().items.find((k: { id: number }) => k.id === id);
      expect(after.revokedAt).not.toBeNull();
      expectError(await h.request({ method: 'DELETE', url: `/v1/api-keys/${id}` }), 404);
    });
  });

  describe('configuration history', () => {
    it('records every change with the acting key and the values before and after', async () => {
      const since = (await changes())[0]?.id ?? 0;
      const newer = async () => (await changes()).filter((c) => c.id > since).reverse();

      await put('/v1/event-types/order.ready_for_pickup', { confirmBeforeSend: true });
      await put('/v1/event-types/custom.history', { name: 'История' });
      await put('/v1/counterparties/client-h', { name: 'ООО «История»' });
      await put('/v1/counterparties/client-h', { name: 'ООО «История и Ко»' });
      await put('/v1/managers/manager-h', { name: 'Мария' });
      await put('/v1/settings', { mode: 'live' });
      const key = await h.request({ method: 'POST', url: '/v1/api-keys', payload: { name: 'история', roles: ['journal:read'] } });
      await h.request({ method: 'DELETE', url: `/v1/api-keys/${key.json().id}` });
      // Refused changes are not history.
      await put('/v1/event-types/order.ready_for_pickup', { templates: { client: { sms: { text: '{{ nope }}' } } } });

      const recorded = await newer();
      expect(recorded.map((c) => [c.entity, c.entityId, c.action])).toEqual([
        ['event_type', 'order.ready_for_pickup', 'update'],
        ['event_type', 'custom.history', 'create'],
        ['counterparty', 'client-h', 'create'],
        ['counterparty', 'client-h', 'update'],
        ['manager', 'manager-h', 'create'],
        ['settings', h.companyId, 'update'],
        ['api_key', String(key.json().id), 'create'],
        ['api_key', String(key.json().id), 'revoke'],
      ]);
      for (const c of recorded) {
        expect(c.actor).toBe(adminActor);
        expect(Number.isNaN(Date.parse(c.at))).toBe(false);
      }
      const [eventType, created, , renamed, manager, settings, apiKey] = recorded;
      expect(eventType?.before).toMatchObject({ confirmBeforeSend: false });
      expect(eventType?.after).toMatchObject({ confirmBeforeSend: true });
      expect(created?.before).toBeNull();
      expect(created?.after).toMatchObject({ type: 'custom.history', name: 'История' });
      expect(renamed?.before).toMatchObject({ name: 'ООО «История»' });
      expect(renamed?.after).toMatchObject({ name: 'ООО «История и Ко»' });
      expect(manager?.after).toMatchObject({ id: 'manager-h', name: 'Мария' });
      expect(settings?.before).toMatchObject({ mode: 'test' });
      expect(settings?.after).toMatchObject({ mode: 'live' });
      expect(apiKey?.after).toEqual({ name: 'история', roles: ['journal:read'] });
      expect(JSON.stringify(apiKey)).not.toContain(key.json().key);

      const filtered = await changes('&entity=counterparty&entityId=client-h');
      expect(filtered.map((c) => c.action)).toEqual(['update', 'create']);
    });
  });
});
