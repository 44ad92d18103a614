import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createHarness, type Harness } from '../helpers/harness';
import { ALL_ROLES, createUser, launchBrowser, newPage, screenshot, signIn } from './browser';

/** Seed 000 in the console: legal entities in the settings, checklist steps and the template's legal entity in the editor. */
describe('seed 000 logistics mailings in the console', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  const TYPE = 'transport_request.checklist_event';

  beforeAll(async () => {
    h = await createHarness({ listen: true, worker: false });
    browser = await launchBrowser();
    page = await newPage(browser, h);
    const admin = await createUser(h, { login: 'logist', name: 'Пётр Логистов', roles: ALL_ROLES });
    await signIn(page, admin.login, admin.password);
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('shows the legal entities and adds one', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Настройки' }).click();
    await page.getByRole('tab', { name: 'Наша компания' }).click();
    await page.getByText('Демо Логистик, отдел перевозок <logistics@demo-logistics.example>').waitFor();
    await page.getByRole('button', { name: 'Добавить юрлицо' }).click();
    await page.getByRole('textbox', { name: 'Код' }).fill('north');
    await page.getByRole('textbox', { name: 'Название' }).fill('ООО «Север»');
    await page.getByRole('textbox', { name: 'Адрес отправителя (From)' }).fill('north@sever.example');
    await page.getByRole('textbox', { name: 'Подпись' }).fill('С уважением,\nООО «Север»');
    await page.getByRole('button', { name: 'Сохранить' }).click();
    await page.getByText('ООО «Север» <north@sever.example>').waitFor();
    await screenshot(page, 'legal-entities');
    const settings = (await h.request({ method: 'GET', url: '/v1/settings' })).json();
    expect(settings.legalEntities.map((e: { id: string }) => e.id)).toEqual(['parts', 'logistics', 'north']);
    expect(settings.legalEntities[2]).toMatchObject({ name: 'ООО «Север»', signature: 'С уважением,\nООО «Север»' });
  });

  it('turns one checklist step off, and saving the e-mail template keeps its legal entity and Адреса', async () => {
    await page.getByRole('link', { name: 'Типы событий и шаблоны' }).click();
    await page.getByRole('link', { name: 'Чек-лист заявки на перевозку: установлено фактическое время события' }).click();
    await page.getByText('Шаги события (чек-лист)').waitFor();
    await page.getByRole('switch', { name: 'Рассылка включена: Выгрузка' }).click();
    await expect
      .poll(async () => (await h.request({ method: 'GET', url: `/v1/event-types/${TYPE}` })).json().subEvents.find((s: { code: string }) => s.code === 'unloading').active, {
        timeout: 15_000,
      })
      .toBe(false);

    await page.getByRole('tab', { name: 'Клиенту: E-mail' }).click();
    await page.getByText('ООО «Демо Логистик» <logistics@demo-logistics.example>').first().waitFor();
    await screenshot(page, 'checklist-steps');
    const subject = page.getByRole('textbox', { name: 'Тема письма (Клиенту: E-mail)' });
    await subject.fill('Заявка № {{ requestNumber }}: {{ checklistEvent }}');
    await page.getByRole('button', { name: 'Сохранить шаблон' }).click();
    await expect
      .poll(async () => (await h.request({ method: 'GET', url: `/v1/event-types/${TYPE}` })).json().templates.client.email.subject, { timeout: 15_000 })
      .toBe('Заявка № {{ requestNumber }}: {{ checklistEvent }}');
    const template = (await h.request({ method: 'GET', url: `/v1/event-types/${TYPE}` })).json().templates.client.email;
    expect(template).toMatchObject({ legalEntityId: 'logistics', extraRecipients: ['dispatch@romashka.example'] });
    expect(template.extraContactIds).toHaveLength(1);
  });
});
