import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createHarness, type Harness } from '../helpers/harness';
import { ALL_ROLES, createUser, launchBrowser, newPage, screenshot, signIn } from './browser';

describe('the template editor in the console', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    h = await createHarness({ listen: true, worker: false });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  const counter = () => page.getByTestId('sms-counter');
  const expectCounter = async (text: string) => {
    await counter().filter({ hasText: text }).waitFor({ timeout: 15_000 });
  };

  it('counts SMS segments as the server does: 2 SMS from the 71st Cyrillic and the 161st Latin character', async () => {
    page = await newPage(browser, h);
    const admin = await createUser(h, { login: 'editor', name: 'Елена Редакторова', roles: ALL_ROLES });
    await signIn(page, admin.login, admin.password);
    await page.getByRole('link', { name: 'Типы событий и шаблоны' }).click();
    await page.getByRole('link', { name: 'Заказ клиента готов к выдаче' }).click();
    await page.getByRole('tab', { name: 'Клиенту: SMS' }).click();
    const field = page.getByRole('textbox', { name: 'Шаблон (Клиенту: SMS)' });

    await field.fill('ж'.repeat(70));
    await expectCounter('1 SMS, осталось 0 символов');
    await field.press('End');
    await field.pressSequentially('ж');
    await expectCounter('2 SMS, осталось 63 символа');
    expect(await counter().textContent()).toContain('UCS-2');
    // The server's preview says what it costs per recipient.
    await page.getByTestId('sms-cost').filter({ hasText: 'Стоимость: 2 SMS на получателя' }).waitFor({ timeout: 15_000 });
    await screenshot(page, 'sms-counter');

    await field.fill('a'.repeat(160));
    await expectCounter('1 SMS, осталось 0 символов');
    await field.press('End');
    await field.pressSequentially('a');
    await expectCounter('2 SMS, осталось 145 символов');
    expect(await counter().textContent()).toContain('GSM-7');
  });

  it('shows a Liquid error with its line and column, in the preview and on save', async () => {
    const field = page.getByRole('textbox', { name: 'Шаблон (Клиенту: SMS)' });
    await field.fill('Заказ {{ orderNumber }} готов.\nСумма {{ total | no_such_filter }}');
    const alert = page.getByRole('alert').filter({ hasText: 'Ошибка в шаблоне' });
    await alert.first().waitFor();
    expect(await alert.first().textContent()).toMatch(/Строка 2, столбец \d+/);

    await page.getByRole('button', { name: 'Сохранить шаблон' }).click();
    await expect.poll(() => alert.count(), { timeout: 15_000 }).toBe(2);
    expect(await alert.nth(0).textContent()).toMatch(/Строка 2, столбец \d+/);
    await screenshot(page, 'liquid-error');
    // Nothing was saved.
    const stored = await h.request({ method: 'GET', url: '/v1/event-types/order.ready_for_pickup' });
    expect(stored.json().templates.client.sms?.text ?? '').not.toContain('no_such_filter');
  });

  it('shows a templates:read user the editor read-only and no settings', async () => {
    page = await newPage(browser, h);
    const reader = await createUser(h, { login: 'reader', name: 'Роман Читателев', roles: ['templates:read'] });
    await signIn(page, reader.login, reader.password);
    await page.getByRole('heading', { name: 'Типы событий и шаблоны' }).waitFor();
    expect(await page.getByRole('navigation').getByRole('link', { name: 'Настройки' }).count()).toBe(0);

    await page.getByRole('link', { name: 'Заказ клиента готов к выдаче' }).click();
    await page.getByText('Только просмотр').waitFor();
    await page.getByRole('tab', { name: 'Клиенту: SMS' }).click();
    const field = page.getByRole('textbox', { name: 'Шаблон (Клиенту: SMS)' });
    await field.waitFor();
    expect(await field.isEditable()).toBe(false);
    expect(await page.getByRole('button', { name: 'Сохранить шаблон' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Сохранить настройки' }).count()).toBe(0);
    // The preview still works for a reader.
    await counter().waitFor();
    await screenshot(page, 'read-only');

    await page.goto('/console/settings');
    await page.getByText('Нет доступа').waitFor();
    expect(await page.getByRole('heading', { name: 'Настройки' }).count()).toBe(0);
  });
});
