import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startSmsc, type Smsc } from '../../src/dev/peers/smsc';
import { createHarness, type Harness } from '../helpers/harness';
import { until } from '../helpers/scenario';
import { launchBrowser, newPage, screenshot, signIn } from './browser';

interface ProviderView {
  id: string;
  kind: string;
  name: string;
  config: Record<string, unknown>;
  secrets: Record<string, { set: boolean }>;
}

describe('the settings in the console', () => {
  let h: Harness;
  let smsc: Smsc;
  let browser: Browser;
  let page: Page;

  const settings = async () => {
    const res = await h.request({ method: 'GET', url: '/v1/settings' });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { mode: string; sms: { primaryProviderId: string | null }; providers: ProviderView[] };
  };
  const choose = async (combobox: string, option: string) => {
    await page.getByRole('combobox', { name: combobox }).click();
    await page.locator('.ant-select-item-option').filter({ hasText: option }).click();
  };

  beforeAll(async () => {
    smsc = await startSmsc({ receipts: 'delivered' });
    h = await createHarness({ listen: true, mode: 'test' });
    // A provider the company already has, with a secret: adding another must leave it as it is.
    const put = await h.request({
      method: 'PUT',
      url: '/v1/settings',
      payload: { providers: [{ id: 'smsru-main', kind: 'sms_ru', name: 'SMS.ru основной', config: { from: 'DEMO' }, secrets: { apiId: 'SECRET-API-ID-1' } }] },
    });
    expect(put.statusCode, put.body).toBe(200);
    browser = await launchBrowser();
    page = await newPage(browser, h);
    await signIn(page, 'admin', h.demoPasswords.admin);
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
    await smsc?.stop();
  });

  it('switches the mode to live only through a clear warning', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Настройки' }).click();
    await page.getByRole('heading', { name: 'Настройки' }).waitFor();
    await page.getByRole('radio', { name: /^Использовать — / }).click();
    const warning = page.getByRole('dialog').filter({ hasText: 'Включить реальную отправку?' });
    await warning.waitFor();
    expect(await warning.textContent()).toContain('настоящим клиентам');
    await screenshot(page, 'live-warning');
    // Nothing changes before the warning is accepted.
    expect((await settings()).mode).toBe('test');
    await warning.getByRole('button', { name: 'Включить отправку' }).click();
    await page.getByText('Отправка включена: сообщения уходят реальным получателям.').waitFor();
    expect((await settings()).mode).toBe('live');
    // The confirmation's toast sits over the tabs for a few seconds; the next test clicks one of them.
    await page.getByText('Режим отправки изменён').waitFor({ state: 'hidden' });
  });

  it('adds one SMS provider without touching the others and sends a test SMS through it, showing its answer', async () => {
    const before = (await settings()).providers;
    await page.getByRole('tab', { name: 'Сервисы отправки сообщений' }).click();
    await page.getByRole('button', { name: 'Добавить сервис' }).click();
    const dialog = page.getByRole('dialog', { name: 'Новый сервис отправки' });
    const port = new URL(smsc.url).port;
    await dialog.getByLabel('Код (латиница, цифры, - и _)').fill('smsc-local');
    await dialog.getByLabel('Название').fill('Локальный SMSC');
    await dialog.getByLabel('Сервер').fill('127.0.0.1');
    await dialog.getByLabel('Порт').fill(port);
    await dialog.getByLabel('Логин (system_id)').fill('notify');
    await dialog.getByLabel('Пароль').fill('secret');
    await dialog.getByLabel('Имя отправителя').fill('NOTIFY');
    await dialog.getByRole('button', { name: 'Сохранить' }).click();
    await page.getByRole('cell', { name: 'Локальный SMSC', exact: true }).waitFor();

    const after = (await settings()).providers;
    expect(after.map((p) => p.id).sort()).toEqual(['smsc-local', 'smsru-main']);
    // The provider that was there is exactly as it was, its secret kept.
    expect(after.find((p) => p.id === 'smsru-main')).toEqual(before.find((p) => p.id === 'smsru-main'));
    expect(after.find((p) => p.id === 'smsru-main')!.secrets.apiId).toEqual({ set: true });
    expect(after.find((p) => p.id === 'smsc-local')).toMatchObject({ kind: 'smpp', config: { host: '127.0.0.1', port: Number(port), systemId: 'notify', sourceAddr: 'NOTIFY' }, secrets: { password: { set: true } } });

    await page.getByRole('tab', { name: 'Основные настройки' }).click();
    await choose('Сервис отправки SMS', 'Локальный SMSC (smpp)');
    await page.getByRole('button', { name: 'Сохранить', exact: true }).click();
    await until(async () => ((await settings()).sms.primaryProviderId === 'smsc-local' ? true : undefined), 'the primary SMS provider saved');

    await page.getByRole('tab', { name: 'Баланс и тестовое сообщение' }).click();
    await page.getByRole('textbox', { name: 'Получатель тестового сообщения' }).fill('+79160000099');
    await page.getByRole('textbox', { name: 'Текст тестового сообщения' }).fill('Проверка связи');
    await page.getByRole('button', { name: 'Отправить тестовое сообщение' }).click();
    const answer = page.getByTestId('test-answer');
    await answer.waitFor({ timeout: 30_000 });
    expect(await answer.textContent()).toContain('Принято сервисом');
    // What it cost: the encoding and the segments.
    expect(await answer.textContent()).toContain('UCS-2, 14 символов, 1 SMS');
    const sms = await until(() => smsc.messages().find((m) => m.destination === '79160000099' && m.complete), 'the test SMS at the SMSC');
    expect(sms.text).toContain('Проверка связи');
    // The provider's own message id is what the answer shows.
    expect(await answer.textContent()).toContain(sms.messageIds[0]!);
    await screenshot(page, 'test-sms');
  });
});
