import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startSmsc, type Smsc } from '../../src/dev/peers/smsc';
import { createHarness, type Harness } from '../helpers/harness';
import { buildEvent } from '../helpers/factories';
import { parseMail } from '../helpers/mail';
import { putNoticeType, until } from '../helpers/scenario';
import { ALL_ROLES, createUser, launchBrowser, newPage, screenshot, signIn } from './browser';

describe('the work queues in the console', () => {
  let h: Harness;
  let smsc: Smsc;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    smsc = await startSmsc({ receipts: 'delivered' });
    h = await createHarness({ listen: true, mode: 'live', smsUrl: `${smsc.url}?source=NOTIFY` });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
    await smsc?.stop();
  });

  it('approves an event awaiting confirmation after showing its texts; the mail goes out and the journal names who approved', async () => {
    const put = await h.request({ method: 'PUT', url: '/v1/event-types/order.ready_for_pickup', payload: { confirmBeforeSend: true } });
    expect(put.statusCode, put.body).toBe(200);
    const event = buildEvent({ data: { orderNumber: 'ЗК-555001', total: '2 500,00', warehouse: 'Склад', pickupUntil: '02.12.2026' } });
    const posted = await h.request({ method: 'POST', url: '/v1/events', payload: event });
    expect(posted.statusCode, posted.body).toBe(202);

    page = await newPage(browser, h);
    const chief = await createUser(h, { login: 'chief', name: 'Анна Админова', roles: ALL_ROLES });
    await signIn(page, chief.login, chief.password);
    // The count in the header says work waits, wherever one is.
    await page.getByTestId('waiting-count').filter({ hasText: 'Ждут действия: 1' }).waitFor({ timeout: 30_000 });
    await page.getByTestId('waiting-count').click();
    const card = page.getByTestId('confirmation');
    await card.getByText('Ваш заказ № ЗК-555001').first().waitFor();
    await screenshot(page, 'confirmation');
    expect(h.smtp.messages).toHaveLength(0);

    await card.getByRole('textbox', { name: 'Комментарий к решению' }).fill('Проверено');
    await card.getByRole('button', { name: 'Подтвердить отправку' }).click();
    await page.getByText('Нет событий, ожидающих подтверждения').waitFor();

    await until(() => (h.smtp.messages.length === 2 ? true : undefined), 'the two mails at the SMTP sink');
    const mails = await Promise.all(h.smtp.messages.map(parseMail));
    expect(mails.map((m) => m.subject)).toEqual(['Заказ № ЗК-555001 готов к выдаче', 'Заказ № ЗК-555001 готов к выдаче']);

    await page.goto(`/console/events/${encodeURIComponent(event.id)}`);
    const approved = page.getByTestId('timeline-step').filter({ hasText: 'Подтверждено' });
    await approved.waitFor();
    await expect.poll(() => approved.textContent(), { timeout: 20_000 }).toContain('Проверено');
    // The journal names the person who approved, not a key.
    await expect.poll(() => approved.textContent(), { timeout: 20_000 }).toContain('Кто: Анна Админова (chief)');
  });

  it('lets a manager edit and send a "not sent, tracked" entry; the SMS reaches the SMSC with the edited text', async () => {
    await putNoticeType(h, 'test.tracked', { channels: ['sms'], trackedByManager: true });
    const client = await h.request({
      method: 'PUT',
      url: '/v1/counterparties/tracked-client',
      payload: { name: 'ООО «Отслеживаемый»', managerId: 'manager-1', contacts: [{ name: 'Пётр Иванов', phone: '+79160000077' }], overrides: { 'test.tracked': { send: false } } },
    });
    expect(client.statusCode, client.body).toBe(200);
    const posted = await h.request({ method: 'POST', url: '/v1/events', payload: { id: 'tracked-1', type: 'test.tracked', counterpartyId: 'tracked-client', data: { n: 'ЗК-42' } } });
    expect(posted.statusCode, posted.body).toBe(202);

    page = await newPage(browser, h);
    const manager = await createUser(h, { login: 'sokolova', name: 'Ольга Соколова', roles: ['journal:read', 'journal:write'], managerId: 'manager-1' });
    await signIn(page, manager.login, manager.password);
    await page.goto('/console/queues');
    const card = page.getByTestId('tracked').filter({ hasText: 'ООО «Отслеживаемый»' });
    await card.waitFor({ timeout: 30_000 });
    await card.getByText('SMS: заказ ЗК-42 готов').waitFor();
    await card.getByRole('button', { name: 'Изменить и отправить' }).click();
    const dialog = page.getByRole('dialog', { name: 'Отправка вручную' });
    await dialog.getByLabel('Текст сообщения').fill('Пётр, заказ ЗК-42 ждёт вас до пятницы');
    await dialog.getByLabel('Комментарий').fill('Клиент просил напомнить');
    await screenshot(page, 'manual-send');
    await dialog.getByRole('button', { name: 'Отправить' }).click();
    await page.getByText('Сообщение отправлено').waitFor();
    await screenshot(page, 'manual-sent');
    await card.waitFor({ state: 'detached' });

    const sms = await until(() => smsc.messages().find((m) => m.destination === '79160000077' && m.complete), 'the SMS at the SMSC');
    // The edited text went out, not the journaled one.
    expect(sms.text).toBe('Пётр, заказ ЗК-42 ждёт вас до пятницы');
    expect(smsc.messages().filter((m) => m.destination === '79160000077')).toHaveLength(1);
  });

  it('shows a manager their own clients by default, everyone with the switch off, and the header count drops after a decision', async () => {
    // order.ready_for_pickup asks for confirmation since the first test. One event of manager-1's client, one of manager-2's.
    expect((await h.request({ method: 'PUT', url: '/v1/managers/manager-2', payload: { name: 'Пётр Волков', email: 'p.volkov@demo-parts.example' } })).statusCode).toBe(200);
    const other = await h.request({
      method: 'PUT',
      url: '/v1/counterparties/other-client',
      payload: { name: 'ООО «Василёк»', managerId: 'manager-2', contacts: [{ name: 'Мария Иванова', email: 'maria@vasilek.example' }] },
    });
    expect(other.statusCode, other.body).toBe(200);
    const mine = buildEvent({ data: { orderNumber: 'ЗК-600001', total: '1 000,00', warehouse: 'Склад', pickupUntil: '03.12.2026' } });
    const others = buildEvent({ counterpartyId: 'other-client', data: { orderNumber: 'ЗК-600002', total: '2 000,00', warehouse: 'Склад', pickupUntil: '03.12.2026' } });
    for (const event of [mine, others]) expect((await h.request({ method: 'POST', url: '/v1/events', payload: event })).statusCode).toBe(202);
    await until(async () => {
      const counts = (await h.request({ method: 'GET', url: '/v1/queues/counts' })).json() as { confirmations: number };
      return counts.confirmations === 2 ? true : undefined;
    }, 'both events awaiting confirmation');

    page = await newPage(browser, h);
    const manager = await createUser(h, { login: 'sokolova-2', name: 'Ольга Соколова', roles: ['journal:read', 'journal:write'], managerId: 'manager-1' });
    await signIn(page, manager.login, manager.password);
    // The header counts the manager's own clients only: one event, not two.
    await page.getByTestId('waiting-count').filter({ hasText: 'Ждут действия: 1' }).waitFor({ timeout: 30_000 });
    await page.goto('/console/queues');
    const onlyMine = page.getByRole('switch', { name: 'Только мои клиенты' });
    expect(await onlyMine.getAttribute('aria-checked')).toBe('true');
    const cards = page.getByTestId('confirmation');
    await cards.getByText('ЗК-600001').first().waitFor();
    expect(await cards.count()).toBe(1);
    expect(await page.getByText('ЗК-600002').count()).toBe(0);

    await onlyMine.click();
    await cards.getByText('ЗК-600002').first().waitFor();
    expect(await cards.count()).toBe(2);
    await screenshot(page, 'queues-everyone');
    await onlyMine.click();
    await expect.poll(() => cards.count()).toBe(1);

    await cards.getByRole('button', { name: 'Подтвердить отправку' }).click();
    await page.getByText('Нет событий, ожидающих подтверждения').waitFor();
    await page.getByTestId('waiting-count').filter({ hasText: 'Ждут действия: 0' }).waitFor();
    // The other manager's event still waits.
    expect((await h.request({ method: 'GET', url: '/v1/queues/counts' })).json()).toMatchObject({ confirmations: 1 });
  });
});
