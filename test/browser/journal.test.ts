import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createHarness, type Harness } from '../helpers/harness';
import { buildEvent } from '../helpers/factories';
import { launchBrowser, newPage, screenshot, signIn } from './browser';

describe('the journal in the console', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    h = await createHarness({ listen: true, mode: 'live' });
    browser = await launchBrowser();
    page = await newPage(browser, h);
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('signs in as the demo administrator, shows a new event without reloading, and its page links to the run in the Temporal UI', async () => {
    // The demo administrator the seed made, with the password it printed once.
    await signIn(page, 'admin', h.demoPasswords.admin);
    await page.getByRole('heading', { name: 'Журнал уведомлений' }).waitFor();

    const event = buildEvent({ data: { orderNumber: 'ЗК-777001', total: '1 000,00', warehouse: 'Склад', pickupUntil: '01.12.2026' } });
    const posted = await h.request({ method: 'POST', url: '/v1/events', payload: event });
    expect(posted.statusCode, posted.body).toBe(202);

    // The row comes by itself: no reload, no click.
    const row = page.getByRole('row').filter({ hasText: 'anna.smirnova@romashka.example' });
    await row.waitFor({ timeout: 30_000 });
    await expect.poll(() => row.getByText('Отправлено').isVisible(), { timeout: 30_000 }).toBe(true);
    await screenshot(page, 'journal');

    await row.getByRole('link', { name: `Открыть событие ${event.id}` }).click();
    await page.getByText('Ход обработки').waitFor();
    await page.getByText('Событие получено').waitFor();
    const link = page.getByRole('link', { name: 'Открыть в Temporal UI' });
    const href = await link.getAttribute('href');
    expect(href).toContain(encodeURIComponent(posted.json().workflowId).slice(0, 10));
    await screenshot(page, 'event');
    const [ui] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
    const response = await ui.waitForLoadState().then(() => ui.request.get(href!));
    expect(response.status()).toBe(200);
  });
});
