import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createHarness, type Harness } from '../helpers/harness';
import { launchBrowser, newPage, screenshot, signIn } from './browser';

describe('the client card in the console', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    h = await createHarness({ listen: true, worker: false });
    const put = await h.request({ method: 'PUT', url: '/v1/settings', payload: { telegram: { botUsername: 'demo_notify_bot' } } });
    expect(put.statusCode, put.body).toBe(200);
    // Contacts made through the API get their subscription link (the seed's demo contacts have none yet).
    const client = await h.request({
      method: 'PUT',
      url: '/v1/counterparties/tg-client',
      payload: { name: 'ООО «Берёзка»', managerId: 'manager-1', contacts: [{ name: 'Иван Петров', phone: '+79160000055' }] },
    });
    expect(client.statusCode, client.body).toBe(200);
    browser = await launchBrowser();
    page = await newPage(browser, h);
    await signIn(page, 'admin', h.demoPasswords.admin);
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it("shows contacts with their Telegram link and QR code, and turns one notification off on the «Уведомления» tab", async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Клиенты' }).click();
    await page.getByRole('link', { name: 'ООО «Берёзка»' }).click();
    await page.getByRole('cell', { name: 'Иван Петров', exact: true }).waitFor();
    const link = page.getByRole('link', { name: 'ссылка для подписки' }).first();
    expect(await link.getAttribute('href')).toMatch(/^https:\/\/t\.me\/demo_notify_bot\?start=/);
    await page.getByRole('button', { name: 'QR-код для Иван Петров' }).click();
    const qr = page.getByRole('img', { name: 'QR-код подписки Иван Петров' });
    await qr.waitFor();
    // The API draws the QR code: the image is its PNG, loaded with the session cookie.
    expect(await qr.getAttribute('src')).toMatch(/^\/v1\/counterparties\/tg-client\/contacts\/\d+\/telegram-qr\.png$/);
    await expect.poll(() => qr.evaluate((img: unknown) => ((img as { complete: boolean }).complete ? (img as { naturalWidth: number }).naturalWidth : 0))).toBe(320);
    await screenshot(page, 'client-contacts');

    await page.getByRole('tab', { name: 'Уведомления' }).click();
    const box = page.getByRole('checkbox', { name: 'Отправлять уведомление «Заказ клиента готов к выдаче»' });
    expect(await box.isChecked()).toBe(true);
    await box.uncheck();
    await page.getByRole('button', { name: 'Сохранить' }).click();
    await page.getByText('Настройки уведомлений клиента сохранены').waitFor();
    const client = await h.request({ method: 'GET', url: '/v1/counterparties/tg-client' });
    expect(client.json().overrides['order.ready_for_pickup'].send).toBe(false);
    await screenshot(page, 'client-notifications');
  });

  it("edits the client's own SMS text of one notification on the «Уведомления» tab; the API has it, the other overrides stay", async () => {
    await page.goto('/console/clients/tg-client');
    await page.getByRole('tab', { name: 'Уведомления' }).click();
    await page.getByRole('button', { name: 'Свои шаблоны «Заказ клиента готов к выдаче»' }).click();
    const dialog = page.getByRole('dialog', { name: 'Свои шаблоны клиента: Заказ клиента готов к выдаче' });
    const sms = dialog.getByRole('textbox', { name: 'Текст: SMS' });
    // Empty: the type's template applies, shown as the placeholder.
    expect(await sms.inputValue()).toBe('');
    // The type's templates arrive with their own request: the placeholder shows once they are in.
    await expect.poll(() => sms.getAttribute('placeholder')).toContain('{{');
    await sms.fill('Берёзка, заказ {{ orderNumber }} ждёт вас');
    await dialog.getByTestId('sms-counter').getByText('1 SMS').waitFor();
    await screenshot(page, 'client-override-templates');
    await dialog.getByRole('button', { name: 'Сохранить' }).click();
    await page.getByText('Шаблоны клиента сохранены').waitFor();

    const client = (await h.request({ method: 'GET', url: '/v1/counterparties/tg-client' })).json();
    expect(client.overrides['order.ready_for_pickup']).toMatchObject({ send: false, templates: { sms: { text: 'Берёзка, заказ {{ orderNumber }} ждёт вас' } } });
    expect(client.overrides['order.ready_for_pickup'].templates.email).toBeUndefined();
    // The card shows the channel with its own template.
    await page.getByRole('row', { name: /Заказ клиента готов к выдаче/ }).getByText('SMS').waitFor();

    // Emptying the field gives the type's template back.
    await page.getByRole('button', { name: 'Свои шаблоны «Заказ клиента готов к выдаче»' }).click();
    const again = page.getByRole('dialog', { name: 'Свои шаблоны клиента: Заказ клиента готов к выдаче' });
    expect(await again.getByRole('textbox', { name: 'Текст: SMS' }).inputValue()).toBe('Берёзка, заказ {{ orderNumber }} ждёт вас');
    await again.getByRole('textbox', { name: 'Текст: SMS' }).fill('');
    await again.getByRole('button', { name: 'Сохранить' }).click();
    await page.getByText('Шаблоны клиента сохранены').first().waitFor();
    await expect
      .poll(async () => (await h.request({ method: 'GET', url: '/v1/counterparties/tg-client' })).json().overrides['order.ready_for_pickup'].templates.sms)
      .toBeUndefined();
  });
});
