import { describe, expect, it } from 'vitest';
import { buildPlan, senderOf, subEventOf } from '../../src/domain/plan';
import { renderChannelMessage, withSignature } from '../../src/domain/templates';
import type { SubEvent } from '../../src/domain/vocabulary';
import { buildPlanInputs } from '../helpers/factories';

const event = { eventType: 'transport_request.checklist_event', counterpartyId: 'client-1' };
const steps: SubEvent[] = [
  { code: 'loading', name: 'Погрузка', active: true },
  { code: 'unloading', name: 'Выгрузка', active: false },
  { code: 'arrival', name: 'Прибытие на выгрузку', active: true, templates: { email: { subject: 'Прибыли: {{ requestNumber }}', text: 'Машина на месте' } } },
];
const checklist = { channels: ['email' as const], subEventVariable: 'checklistEvent', subEvents: steps };

describe('seed 000 sub-events (checklist steps)', () => {
  it('finds the step by name or code, whatever the case and spaces', () => {
    expect(subEventOf(checklist, { checklistEvent: 'Погрузка' })).toEqual({ subEvent: steps[0] });
    expect(subEventOf(checklist, { checklistEvent: '  погрузка ' })).toEqual({ subEvent: steps[0] });
    expect(subEventOf(checklist, { checklistEvent: 'loading' })).toEqual({ subEvent: steps[0] });
  });

  it('says in Russian why a step that is off, unknown or missing sends nothing', () => {
    expect(subEventOf(checklist, { checklistEvent: 'Выгрузка' })).toEqual({ skipReason: 'Рассылка по шагу «Выгрузка» выключена в настройках типа события' });
    expect(subEventOf(checklist, { checklistEvent: 'Таможня' })).toEqual({
      skipReason: 'Шаг «Таможня» не выбран в настройках типа события: рассылка по нему не настроена',
    });
    expect(subEventOf(checklist, {})).toMatchObject({ skipReason: expect.stringContaining('не указан шаг (переменная checklistEvent)') });
  });

  it('changes nothing for a type without sub-events', () => {
    expect(subEventOf({ subEventVariable: null, subEvents: [] }, { checklistEvent: 'Выгрузка' })).toBeUndefined();
    expect(subEventOf({ subEventVariable: 'checklistEvent', subEvents: [] }, {})).toBeUndefined();
  });

  it('plans an active step, skips an inactive one, and gives the step its own template over the type', () => {
    const inputs = buildPlanInputs({ eventType: checklist });
    const on = buildPlan({ ...event, data: { checklistEvent: 'Погрузка' } }, inputs);
    expect(on.skipReason).toBeUndefined();
    expect(on.deliveries).toHaveLength(1);
    expect(on.context.subEvent).toEqual({ code: 'loading', name: 'Погрузка' });
    expect(on.deliveries[0]!.templates.email?.subject).toBe('Заказ {{ orderNumber }} готов');

    const off = buildPlan({ ...event, data: { checklistEvent: 'Выгрузка' } }, inputs);
    expect(off.skipReason).toBe('Рассылка по шагу «Выгрузка» выключена в настройках типа события');
    expect(off.deliveries).toEqual([]);

    const own = buildPlan({ ...event, data: { checklistEvent: 'Прибытие на выгрузку' } }, inputs);
    expect(own.deliveries[0]!.templates.email).toMatchObject({ subject: 'Прибыли: {{ requestNumber }}', text: 'Машина на месте' });
  });

  it("lays the client's own template over the step's", () => {
    const inputs = buildPlanInputs({ eventType: checklist, override: { send: true, templates: { email: { subject: 'Свой' } }, attachments: null } });
    const plan = buildPlan({ ...event, data: { checklistEvent: 'arrival' } }, inputs);
    expect(plan.deliveries[0]!.templates.email).toMatchObject({ subject: 'Свой', text: 'Машина на месте' });
  });
});

describe('seed 000 "Наша компания" (legal entities)', () => {
  const entity = { id: 'logistics', name: 'ООО «Демо Логистик»', fromAddress: 'logistics@demo.example', signature: 'С уважением,\nотдел перевозок' };

  it("gives a template its legal entity's From and signature; a template without one keeps the company's", () => {
    const inputs = buildPlanInputs({ eventType: { channels: ['email'] } });
    inputs.company.legalEntities = [entity];
    inputs.templates = inputs.templates.map((t) => (t.audience === 'client' && t.channel === 'email' ? { ...t, legalEntityId: 'logistics' } : t));
    const plan = buildPlan(event, inputs);
    const template = plan.deliveries[0]!.templates.email!;
    expect(template).toMatchObject({ fromAddress: 'logistics@demo.example', fromName: 'ООО «Демо Логистик»', legalEntity: { id: 'logistics', signature: entity.signature } });
    expect(senderOf(plan.from, { fromName: template.fromName, fromAddress: template.fromAddress })).toEqual({ name: 'ООО «Демо Логистик»', address: 'logistics@demo.example' });
    expect(senderOf(plan.from, {})).toEqual({ name: 'Автозапчасти', address: 'notify@parts.example' });
  });

  it('appends the signature when the template does not place it, and leaves a template that does alone', async () => {
    const legalEntity = { id: 'logistics', name: entity.name, signature: entity.signature };
    const plain = await renderChannelMessage('email', { subject: 'Тема', html: '<p>Текст</p>', text: 'Текст', legalEntity, fromAddress: entity.fromAddress }, {});
    expect(plain.text).toBe('Текст\n\nС уважением,\nотдел перевозок');
    expect(plain.html).toBe('<p>Текст</p>\n<p>С уважением,<br>отдел перевозок</p>');
    expect(plain.fromAddress).toBe('logistics@demo.example');

    const placed = await renderChannelMessage('email', { subject: 'Тема', text: 'Текст\n{{ legalEntity.signature }}', legalEntity }, {});
    expect(placed.text).toBe('Текст\nС уважением,\nотдел перевозок');
    expect(withSignature({ subject: 's', html: null, text: 't' }, '  ', { text: 't' }).text).toBe('t');
  });
});

describe('seed 000 "Адреса" from the client\'s employees', () => {
  const contacts = [
    { id: 7, name: 'Иван Петров', email: 'ivan@romashka.example', phone: '+79161234567', telegramChatId: null },
    { id: 8, name: 'Анна Смирнова', email: 'anna@romashka.example', phone: '+79167654321', telegramChatId: null },
  ];

  it('sends the e-mail to the chosen employees only, greeting them by name, and keeps the others on their other channels', () => {
    const inputs = buildPlanInputs({ eventType: { channels: ['email', 'sms'] }, contacts });
    inputs.templates = inputs.templates.map((t) =>
      t.audience === 'client' && t.channel === 'email' ? { ...t, extraContactIds: [8, 999], extraRecipients: ['office@romashka.example'] } : t,
    );
    const plan = buildPlan(event, inputs);
    expect(plan.deliveries.map((d) => [d.key, d.routes.map((r) => r.channel), d.recipient.name])).toEqual([
      ['client:contact-7', ['sms'], 'Иван Петров'],
      ['client:contact-8', ['email', 'sms'], 'Анна Смирнова'],
      ['client:extra-0', ['email'], ''],
    ]);
  });

  it("changes nothing for a client none of whose employees is chosen (another client's contact ids)", () => {
    const inputs = buildPlanInputs({ eventType: { channels: ['email'] }, contacts });
    inputs.templates = inputs.templates.map((t) => (t.audience === 'client' && t.channel === 'email' ? { ...t, extraContactIds: [999] } : t));
    expect(buildPlan(event, inputs).deliveries.map((d) => d.key)).toEqual(['client:contact-7', 'client:contact-8']);
  });

  it('does not write twice to a fixed address that is also an employee', () => {
    const inputs = buildPlanInputs({ eventType: { channels: ['email'] }, contacts });
    inputs.templates = inputs.templates.map((t) => (t.audience === 'client' && t.channel === 'email' ? { ...t, extraRecipients: ['Anna@romashka.example'] } : t));
    expect(buildPlan(event, inputs).deliveries.map((d) => d.key)).toEqual(['client:contact-7', 'client:contact-8']);
  });
});
