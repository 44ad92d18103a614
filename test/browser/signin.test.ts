import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createHarness, type Harness } from '../helpers/harness';
import { launchBrowser, newPage, screenshot, signIn } from './browser';

describe('signing in to the console', () => {
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

  const attempt = async (password: string) => {
    await page.getByLabel('Пароль').fill(password);
    await page.getByRole('button', { name: 'Войти' }).click();
  };

  it('leads / to the console, speaks English on request, signs the demo manager in and out; the session cookie is HttpOnly', async () => {
    page = await newPage(browser, h);
    await page.goto('/');
    expect(new URL(page.url()).pathname).toBe('/console/');
    await page.getByText('EN', { exact: true }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.getByText('RU', { exact: true }).click();
    await signIn(page, 'manager', h.demoPasswords.manager);
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'notify_session')).toMatchObject({ httpOnly: true });
    // The cookie is out of the page's reach.
    expect(await page.evaluate('document.cookie')).not.toContain('notify_session');
    await page.getByRole('button', { name: 'Выйти' }).click();
    await page.getByRole('button', { name: 'Войти' }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Войти' }).waitFor();
  });

  it('refuses a wrong password five times, then refuses for a while even the right one', async () => {
    page = await newPage(browser, h);
    await page.goto('/console/');
    await page.getByLabel('Логин').fill('admin');
    for (let i = 1; i <= 5; i++) {
      await attempt(`wrong-password-${i}`);
      await page.getByRole('alert').filter({ hasText: 'Неверный логин или пароль.' }).waitFor();
      // Wait for the form to be ready for the next try.
      await page.getByRole('button', { name: 'Войти' }).and(page.locator(':not(.ant-btn-loading)')).waitFor();
    }
    await attempt(h.demoPasswords.admin);
    const refused = page.getByRole('alert').filter({ hasText: 'Слишком много неудачных попыток входа' });
    await refused.waitFor();
    expect(await refused.textContent()).toMatch(/через \d+ с/);
    expect(await page.getByRole('button', { name: 'Выйти' }).count()).toBe(0);
    await screenshot(page, 'signin-refused');
  });
});
