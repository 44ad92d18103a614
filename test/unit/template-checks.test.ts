import { describe, expect, it } from 'vitest';
import {
  checkEventTypeTemplates,
  checkOverrideTemplates,
  checkStoredTemplates,
  sampleFor,
  templateProblem,
  type StoredTemplate,
} from '../../src/domain/template-checks';

const sample = sampleFor([{ name: 'orderNumber', example: 'ЗК-000123' }]);

const stored = (overrides: Partial<StoredTemplate> = {}): StoredTemplate => ({
  audience: 'client',
  channel: 'sms',
  subject: null,
  html: null,
  text: 'Заказ {{ orderNumber }} готов',
  ...overrides,
});

describe('sampleFor', () => {
  it('adds each declared variable’s example to the built-in sample data', () => {
    expect(sample.orderNumber).toBe('ЗК-000123');
    expect(sample).toHaveProperty('recipient');
  });
});

describe('templateProblem', () => {
  it('finds nothing wrong with a good or an absent template', async () => {
    expect(await templateProblem('/body/text', 'Заказ {{ orderNumber }}', 'text', sample)).toBeUndefined();
    expect(await templateProblem('/body/text', null, 'text', sample)).toBeUndefined();
    expect(await templateProblem('/body/text', undefined, 'text', sample)).toBeUndefined();
  });

  it('names the field, the line and the column of an undeclared variable', async () => {
    const problem = await templateProblem('/body/text', 'Заказ\n{{ orderNumbr }}', 'text', sample);
    expect(problem).toEqual({ path: '/body/text', message: 'undefined variable: orderNumbr (line 2, column 4)', line: 2, column: 4 });
  });
});

describe('checkEventTypeTemplates', () => {
  it('reports every problem of every channel at once, under the given path', async () => {
    const problems = await checkEventTypeTemplates(
      {
        client: { email: { subject: '', text: null }, sms: { text: '{{ nope }}' } },
        manager: { telegram: { text: null } },
      },
      sample,
      '/body/templates',
    );
    expect(problems.map((p) => p.path)).toEqual([
      '/body/templates/client/email/subject',
      '/body/templates/client/email/html',
      '/body/templates/client/sms/text',
      '/body/templates/manager/telegram/text',
    ]);
    expect(problems[1]?.message).toBe('an e-mail template needs an html or a text body');
    expect(problems[3]?.message).toBe('a telegram template needs a text');
  });

  it('checks attachment names and contents, and skips templates being removed', async () => {
    const problems = await checkEventTypeTemplates(
      { client: { email: { subject: 'S', html: '<p>x</p>', attachments: [{ filename: '{{ bad }}.txt', content: 'ok' }] }, sms: null } },
      sample,
      '/body/templates',
    );
    expect(problems).toEqual([expect.objectContaining({ path: '/body/templates/client/email/attachments/0/filename' })]);
  });
});

describe('checkStoredTemplates', () => {
  it('reports saved and per-client templates that the new variables would break', async () => {
    const withoutOrder = sampleFor([]);
    const problems = await checkStoredTemplates(
      [stored()],
      [{ counterpartyId: 'client-7', templates: { email: { subject: '{{ orderNumber }}' } } }],
      undefined,
      withoutOrder,
      '/body/variables',
    );
    expect(problems).toEqual([
      { path: '/body/variables', message: 'the saved client sms template (text) would break: undefined variable: orderNumber' },
      { path: '/body/variables', message: 'the email template of client client-7 (subject) would break: undefined variable: orderNumber' },
    ]);
  });

  it('skips a saved template that the same change replaces', async () => {
    const problems = await checkStoredTemplates([stored()], [], { client: { sms: { text: 'new' } } }, sampleFor([]), '/body/variables');
    expect(problems).toEqual([]);
  });
});

describe('checkOverrideTemplates', () => {
  it('names the path of each refused template and attachment of a client’s override', async () => {
    const problems = await checkOverrideTemplates(
      { templates: { sms: { text: '{{ x }}' } }, attachments: [{ filename: 'a.txt', content: '{{ y }}' }] },
      sample,
      '/body/overrides/order.ready',
    );
    expect(problems.map((p) => p.path)).toEqual([
      '/body/overrides/order.ready/templates/sms/text',
      '/body/overrides/order.ready/attachments/0/content',
    ]);
  });
});
