import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { createHarness, type Harness } from '../helpers/harness';
import { buildEvent } from '../helpers/factories';
import { until } from '../helpers/scenario';
import { ALL_ROLES, createUser, launchBrowser, newPage, screenshot, signIn } from './browser';

/** Roles of controls a person operates: each must have an accessible name. */
const CONTROL_ROLES = new Set(['button', 'link', 'textbox', 'searchbox', 'combobox', 'checkbox', 'radio', 'switch', 'slider', 'spinbutton', 'menuitem', 'tab', 'option']);

/** Presses Tab (at most `max` times) until `target` (or something inside it) has the focus; fails otherwise. */
async function tabTo(page: Page, target: Locator, what: string, max = 80): Promise<void> {
  await target.waitFor();
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press('Tab');
    // Runs in the page (the tests' own types know no DOM).
    if (await target.evaluate('(el) => el === document.activeElement || el.contains(document.activeElement)')) return;
  }
  throw new Error(`${what}: not reached with ${max} presses of Tab`);
}

/** The controls of the page without an accessible name, from Chromium's own accessibility tree. */
async function unnamedControls(page: Page): Promise<{ controls: number; unnamed: string[] }> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
      nodes: { ignored: boolean; role?: { value?: string }; name?: { value?: string }; backendDOMNodeId?: number }[];
    };
    const unnamed: string[] = [];
    let controls = 0;
    for (const node of nodes) {
      const role = String(node.role?.value ?? '');
      if (node.ignored || !CONTROL_ROLES.has(role)) continue;
      controls += 1;
      if (String(node.name?.value ?? '').trim() !== '') continue;
      const { object } = (await cdp.send('DOM.resolveNode', { backendNodeId: node.backendDOMNodeId! })) as { object: { objectId?: string } };
      const html = object.objectId
        ? ((await cdp.send('Runtime.callFunctionOn', { objectId: object.objectId, functionDeclaration: 'function () { return this.outerHTML.slice(0, 200); }', returnByValue: true })) as { result: { value: string } }).result.value
        : '';
      unnamed.push(`${role}: ${html}`);
    }
    return { controls, unnamed };
  } finally {
    await cdp.detach();
  }
}

describe('the console by keyboard, with named controls (R20)', () => {
  let h: Harness;
  let browser: Browser;

  beforeAll(async () => {
    h = await createHarness({ listen: true });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('signs in and approves an awaiting event with the keyboard only (Tab, typing, Enter)', async () => {
    const put = await h.request({ method: 'PUT', url: '/v1/event-types/order.ready_for_pickup', payload: { confirmBeforeSend: true } });
    expect(put.statusCode, put.body).toBe(200);
    const event = buildEvent({ data: { orderNumber: 'ЗК-KBD-1', total: '900,00', warehouse: 'Склад', pickupUntil: '04.12.2026' } });
    expect((await h.request({ method: 'POST', url: '/v1/events', payload: event })).statusCode).toBe(202);
    const person = await createUser(h, { login: 'klava', name: 'Клавдия Клавишина', roles: ALL_ROLES });

    const page = await newPage(browser, h);
    await page.goto('/console/');
    await tabTo(page, page.getByLabel('Логин'), 'the login field');
    await page.keyboard.type(person.login);
    await page.keyboard.press('Tab');
    await page.keyboard.type(person.password);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Выйти' }).waitFor();

    const count = page.getByTestId('waiting-count').filter({ hasText: 'Ждут действия: 1' });
    await count.waitFor({ timeout: 30_000 });
    await tabTo(page, count, 'the count of waiting work');
    await page.keyboard.press('Enter');
    const card = page.getByTestId('confirmation');
    await card.getByText('ЗК-KBD-1').first().waitFor();
    await tabTo(page, card.getByRole('textbox', { name: 'Комментарий к решению' }), 'the comment');
    await page.keyboard.type('Подтверждено с клавиатуры');
    await tabTo(page, card.getByRole('button', { name: 'Подтвердить отправку' }), 'the approve button');
    await screenshot(page, 'keyboard-approve');
    await page.keyboard.press('Enter');
    await page.getByText('Нет событий, ожидающих подтверждения').waitFor();

    const approved = await until(async () => {
      const journal = (await h.request({ method: 'GET', url: `/v1/journal?eventId=${event.id}&status=approved` })).json() as { items: { details: Record<string, unknown> }[] };
      return journal.items[0];
    }, 'the approval in the journal');
    expect(approved.details).toMatchObject({ by: 'Клавдия Клавишина (klava)', comment: 'Подтверждено с клавиатуры' });
  });

  it('gives every control on the main screens an accessible name', async () => {
    const page = await newPage(browser, h);
    await signIn(page, 'admin', h.demoPasswords.admin);
    const screens: [string, Locator][] = [
      ['/console/journal', page.getByRole('heading', { name: 'Журнал уведомлений' })],
      ['/console/queues', page.getByRole('heading', { name: 'Ждут действия' })],
      ['/console/event-types', page.getByRole('heading', { name: 'Типы событий и шаблоны' })],
      ['/console/event-types/order.ready_for_pickup', page.getByRole('heading', { level: 2 })],
      ['/console/clients', page.getByRole('link', { name: 'ООО «Ромашка»' })],
      ['/console/clients/demo-client', page.getByRole('tab', { name: 'Уведомления' })],
      ['/console/settings', page.getByRole('heading', { name: 'Настройки' })],
    ];
    const problems: string[] = [];
    for (const [url, ready] of screens) {
      await page.goto(url);
      await ready.first().waitFor();
      // Let lists that load after the heading arrive.
      await page.waitForLoadState('networkidle');
      const { controls, unnamed } = await unnamedControls(page);
      // The tree was read: every screen has its menu, language switch and sign-out at least.
      expect(controls, url).toBeGreaterThan(5);
      for (const control of unnamed) problems.push(`${url} ${control}`);
    }
    expect(problems).toEqual([]);
  });
});
