import { describe, expect, it } from 'vitest';
import { buildPlan, clientChannelsOf } from '../../src/domain/plan';
import { buildPlanInputs, buildTemplateRow } from '../helpers/factories';

const event = { eventType: 'order.ready_for_pickup', counterpartyId: 'client-1' };

describe('buildPlan', () => {
  it('plans one delivery per contact on the event type channels, with the client template of each channel', () => {
    const plan = buildPlan(event, buildPlanInputs({ eventType: { channels: ['sms', 'email'] } }));
    expect(plan.skipReason).toBeUndefined();
    expect(plan.deliveries).toHaveLength(1);
    const [d] = plan.deliveries;
    expect(d).toMatchObject({
      key: 'client:contact-7',
      audience: 'client',
      recipientName: 'Иван Петров',
      routes: [
        { channel: 'sms', address: '+79161234567' },
        { channel: 'email', address: 'ivan@romashka.example' },
      ],
      recipient: { name: 'Иван Петров', email: 'ivan@romashka.example', phone: '+79161234567' },
    });
    expect(d!.templates.sms?.text).toBe('client sms: заказ {{ orderNumber }}');
    expect(Object.keys(d!.templates).sort()).toEqual(['email', 'sms']);
    expect(plan.context).toEqual({
      company: { name: 'ООО «Автозапчасти»' },
      eventTypeName: 'order.ready_for_pickup',
      client: { id: 'client-1', name: 'ООО «Ромашка»' },
      manager: { name: 'Ольга Соколова', email: 'o.sokolova@parts.example', phone: '+79031234567' },
      legalEntity: { id: '', name: 'ООО «Автозапчасти»', signature: '' },
    });
  });

  it('adds the company reserve channel after Telegram when a Telegram-first event lacks it (R6)', () => {
    const plan = buildPlan(event, buildPlanInputs({ eventType: { channels: ['telegram'] } }));
    expect(plan.deliveries[0]!.routes.map((r) => r.channel)).toEqual(['telegram', 'sms']);
  });

  it('adds no reserve channel when the event does not start with Telegram or already has it, or the company has none', () => {
    expect(buildPlan(event, buildPlanInputs({ eventType: { channels: ['email', 'telegram'] } })).deliveries[0]!.routes.map((r) => r.channel)).toEqual([
      'email',
      'telegram',
    ]);
    expect(buildPlan(event, buildPlanInputs({ eventType: { channels: ['telegram', 'sms'] } })).deliveries[0]!.routes.map((r) => r.channel)).toEqual([
      'telegram',
      'sms',
    ]);
    const noReserve = buildPlanInputs({ eventType: { channels: ['telegram'] } });
    noReserve.company.reserveChannel = null;
    expect(buildPlan(event, noReserve).deliveries[0]!.routes.map((r) => r.channel)).toEqual(['telegram']);
  });

  it('sends to the fixed extra addresses of the client e-mail template, each as its own delivery by e-mail only', () => {
    const inputs = buildPlanInputs({ eventType: { channels: ['email'] } });
    inputs.templates = inputs.templates.map((t) =>
      t.audience === 'client' && t.channel === 'email' ? { ...t, extraRecipients: ['office@romashka.example', 'boss@romashka.example'] } : t,
    );
    const plan = buildPlan(event, inputs);
    expect(plan.deliveries.map((d) => d.key)).toEqual(['client:contact-7', 'client:extra-0', 'client:extra-1']);
    expect(plan.deliveries[2]).toMatchObject({
      recipientName: 'boss@romashka.example',
      routes: [{ channel: 'email', address: 'boss@romashka.example' }],
      // Seed 000: a fixed address has no name; the greeting is neutral, never the address.
      recipient: { name: '', email: 'boss@romashka.example', phone: '' },
    });
    expect(Object.keys(plan.deliveries[2]!.templates)).toEqual(['email']);
  });

  it('ignores extra addresses when the event does not go by e-mail', () => {
    const inputs = buildPlanInputs({ eventType: { channels: ['sms'] } });
    inputs.templates = inputs.templates.map((t) => (t.channel === 'email' ? { ...t, extraRecipients: ['office@romashka.example'] } : t));
    expect(buildPlan(event, inputs).deliveries.map((d) => d.key)).toEqual(['client:contact-7']);
  });

  it('marks every client delivery, extra addresses included, as opted out when the client turned the notification off', () => {
    const inputs = buildPlanInputs({ override: { send: false, templates: {}, attachments: null } });
    inputs.templates = inputs.templates.map((t) => (t.audience === 'client' && t.channel === 'email' ? { ...t, extraRecipients: ['office@romashka.example'] } : t));
    const plan = buildPlan(event, inputs);
    expect(plan.deliveries.map((d) => d.optedOut)).toEqual([true, true]);
    expect(plan.trackedByManager).toBe(false);
  });

  it('carries "tracked by manager" so an opted-out client is journaled for the manager (R14)', () => {
    const plan = buildPlan(event, buildPlanInputs({ eventType: { trackedByManager: true }, override: { send: false, templates: {}, attachments: null } }));
    expect(plan.trackedByManager).toBe(true);
    expect(plan.deliveries[0]!.optedOut).toBe(true);
  });

  it("lays the client's own body templates and attachments over the event type's, keeping the rest (R12)", () => {
    const own = [{ filename: 'акт.txt', content: 'Акт {{ orderNumber }}', contentType: 'text/plain' }];
    const plan = buildPlan(
      event,
      buildPlanInputs({ override: { send: true, templates: { email: { text: 'Наш текст {{ orderNumber }}' } }, attachments: own } }),
    );
    const email = plan.deliveries[0]!.templates.email!;
    expect(email.text).toBe('Наш текст {{ orderNumber }}');
    expect(email.subject).toBe('Заказ {{ orderNumber }} готов');
    expect(email.attachments).toEqual(own);
  });

  it('plans a contact without an address for a channel with a null address on that route', () => {
    const plan = buildPlan(
      event,
      buildPlanInputs({
        eventType: { channels: ['telegram', 'email'] },
        contacts: [{ id: 8, name: 'Анна Смирнова', email: null, phone: '+79167654321', telegramChatId: null }],
      }),
    );
    expect(plan.deliveries[0]!.routes).toEqual([
      { channel: 'telegram', address: null },
      { channel: 'email', address: null },
      { channel: 'sms', address: '+79167654321' },
    ]);
  });

  it('skips an inactive event type, an unknown one and an unknown client, saying which', () => {
    expect(buildPlan(event, buildPlanInputs({ eventType: { active: false } })).skipReason).toBe('event type order.ready_for_pickup is inactive');
    expect(buildPlan(event, buildPlanInputs({ eventType: undefined })).skipReason).toBe('event type order.ready_for_pickup is not configured');
    expect(buildPlan(event, buildPlanInputs({ counterparty: undefined })).skipReason).toBe('counterparty client-1 not found');
  });

  it('skips a client without contacts, and an event that notifies nobody', () => {
    expect(buildPlan(event, buildPlanInputs({ contacts: [] })).skipReason).toBe('the client has no contacts');
    expect(buildPlan(event, buildPlanInputs({ eventType: { sendToClient: false } })).skipReason).toBe('nobody is to be notified');
  });

  it("adds the responsible manager on the manager channels with the manager templates, never opted out by the client's choice", () => {
    const plan = buildPlan(event, buildPlanInputs({ eventType: { sendToManager: true }, override: { send: false, templates: {}, attachments: null } }));
    const manager = plan.deliveries.find((d) => d.audience === 'manager')!;
    expect(manager).toMatchObject({
      key: 'manager:manager-1',
      recipientName: 'Ольга Соколова',
      routes: [
        { channel: 'sms', address: '+79031234567' },
        { channel: 'email', address: 'o.sokolova@parts.example' },
      ],
    });
    expect(manager.optedOut).toBeUndefined();
    expect(manager.templates.sms?.text).toBe('manager sms: заказ {{ orderNumber }}');
  });

  it('leaves out a channel the audience has no template for', () => {
    const inputs = buildPlanInputs({ eventType: { channels: ['sms', 'email'] } });
    inputs.templates = [buildTemplateRow({ audience: 'client', channel: 'email' })];
    expect(Object.keys(buildPlan(event, inputs).deliveries[0]!.templates)).toEqual(['email']);
  });

  it('takes mode, confirmation, e-mail delivery and the sender from the settings', () => {
    const plan = buildPlan(event, buildPlanInputs({ eventType: { confirmBeforeSend: true, confirmTimeoutSeconds: 600, emailDelivery: 'batched' } }));
    expect(plan).toMatchObject({
      mode: 'live',
      confirm: { required: true, timeoutSeconds: 600 },
      emailDelivery: 'batched',
      from: { name: 'Автозапчасти', address: 'notify@parts.example' },
    });
  });
});

describe("the company's primary messaging channel (seed 002)", () => {
  it('makes every Telegram or SMS type Telegram-first with the reserve, or SMS-first; e-mail-only types and null keep their order', () => {
    expect(clientChannelsOf(['sms'], 'sms', 'telegram')).toEqual(['telegram', 'sms']);
    expect(clientChannelsOf(['sms', 'email'], 'email', 'telegram')).toEqual(['telegram', 'email']);
    expect(clientChannelsOf(['sms', 'email'], 'sms', 'telegram')).toEqual(['telegram', 'sms', 'email']);
    expect(clientChannelsOf(['telegram', 'sms'], 'sms', 'sms')).toEqual(['sms']);
    expect(clientChannelsOf(['telegram', 'email'], null, 'sms')).toEqual(['sms', 'email']);
    expect(clientChannelsOf(['email'], 'sms', 'telegram')).toEqual(['email']);
    expect(clientChannelsOf(['sms'], 'sms', null)).toEqual(['sms']);
    expect(clientChannelsOf(['telegram'], 'sms', null)).toEqual(['telegram', 'sms']);
  });

  it('is what the plan routes by', () => {
    const inputs = buildPlanInputs({ eventType: { channels: ['sms'] } });
    const plan = buildPlan(event, { ...inputs, company: { ...inputs.company, primaryChannel: 'telegram', reserveChannel: 'sms' } });
    expect(plan.deliveries[0]!.routes.map((r) => r.channel)).toEqual(['telegram', 'sms']);
  });
});
