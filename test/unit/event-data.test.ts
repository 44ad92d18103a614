import { describe, expect, it } from 'vitest';
import { givenVariables, missingVariables } from '../../src/domain/event-data';
import { checkTemplate, formatPhone, renderEmailTemplate, renderTemplate } from '../../src/domain/templates';

describe('missingVariables', () => {
  const variables = [
    { name: 'orderNumber', description: 'Номер заказа', example: 'ЗК-1', required: true },
    { name: 'total', description: 'Сумма', example: '1,00', required: true },
    { name: 'blocked', description: 'Заблокирован', example: true, required: true },
    { name: 'comment', description: 'Комментарий (необязательно)', example: 'ок' },
  ];

  it('names each required variable that is absent, null or blank, and nothing else', () => {
    expect(missingVariables('t', variables, { orderNumber: null, total: ' ', blocked: false, extra: 1 }).map((d) => d.path)).toEqual([
      '/body/data/orderNumber',
      '/body/data/total',
    ]);
  });

  it('accepts data with every required variable, whatever else it holds', () => {
    expect(missingVariables('t', variables, { orderNumber: 'ЗК-1', total: 0, blocked: false, unknown: 'x' })).toEqual([]);
  });

  it('does not take inherited properties for data', () => {
    expect(missingVariables('t', [{ name: 'toString', description: 'x', example: 'x', required: true }], {})).toHaveLength(1);
  });

  it('misses exactly the required variables that givenVariables does not name (the database checks by those names)', () => {
    const data = { orderNumber: '\u00a0\t', total: 0, blocked: false, comment: null, extra: '', nested: { a: 1 }, list: [] };
    expect(givenVariables(data).sort()).toEqual(['blocked', 'list', 'nested', 'total']);
    const given = new Set(givenVariables(data));
    const byName = variables.filter((v) => v.required && !given.has(v.name)).map((v) => `/body/data/${v.name}`);
    expect(missingVariables('t', variables, data).map((d) => d.path)).toEqual(byName);
  });
});

describe('the phone filter', () => {
  it.each([
    ['+79161234567', '+7 916 123-45-67'],
    ['89161234567', '+7 916 123-45-67'],
    ['9161234567', '+7 916 123-45-67'],
    ['+7 (916) 123-45-67', '+7 916 123-45-67'],
    ['+441632960961', '+441632960961'],
    ['доб. 123', 'доб. 123'],
    ['', ''],
  ])('shows %s as %s', (raw, shown) => {
    expect(formatPhone(raw)).toBe(shown);
  });

  it('is known to every engine: the save-time check, text, HTML and e-mail rendering', async () => {
    const data = { manager: { phone: '+79031234567' } };
    await expect(checkTemplate('Тел. {{ manager.phone | phone }}', 'text', data)).resolves.toBeUndefined();
    await expect(checkTemplate('<p>{{ manager.phone | phone }}</p>', 'html', data)).resolves.toBeUndefined();
    expect(await renderTemplate('Тел. {{ manager.phone | phone }}', 'text', data)).toBe('Тел. +7 903 123-45-67');
    const mail = await renderEmailTemplate({ subject: '{{ manager.phone | phone }}', html: '<p>{{ manager.phone | phone }}</p>', text: null }, data);
    expect(mail).toMatchObject({ subject: '+7 903 123-45-67', html: '<p>+7 903 123-45-67</p>' });
    expect(await renderTemplate('{{ missing | phone }}', 'text', {})).toBe('');
  });
});
