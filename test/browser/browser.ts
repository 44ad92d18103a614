import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import type { Harness } from '../helpers/harness';

/** Debian's chromium (`apt-get install chromium`, done by .ci/run); CHROMIUM_PATH overrides. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where each test leaves its screenshot (git-ignored). */
export const SCREENSHOTS = path.resolve(__dirname, 'screenshots');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** A fresh page (its own cookies) on the harness's listening API, in Moscow time and Russian. */
export async function newPage(browser: Browser, h: Harness): Promise<Page> {
  if (!h.baseUrl) throw new Error('the harness must listen: createHarness({ listen: true })');
  const context = await browser.newContext({ baseURL: h.baseUrl, locale: 'ru-RU', timezoneId: 'Europe/Moscow', viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  return page;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Creates a console user through the API (the harness's admin key), with a known password. */
export async function createUser(h: Harness, user: { login: string; name: string; password: string; roles: string[]; managerId?: string | null }): Promise<{ id: string }> {
  const res = await h.request({ method: 'POST', url: '/v1/users', payload: user });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string };
}

/** Signs in through the form, as a person does. */
export async function signIn(page: Page, login: string, password: string): Promise<void> {
  await page.goto('/console/');
  await page.getByLabel('Логин').fill(login);
  await page.getByLabel('Пароль').fill(password);
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.getByRole('button', { name: 'Выйти' }).waitFor();
}

/**
 * Until the sign-in work is merged: the console's session answered in the browser and every
 * request authenticated with an API key, so the screens can be driven against the real API.
 */
export async function enterWithKey(page: Page, key: string, user: { login: string; name: string; roles: string[]; managerId?: string | null }): Promise<void> {
  await page.context().setExtraHTTPHeaders({ authorization: `Bearer ${key}` });
  await page.route('**/v1/session', (route) =>
    route.fulfill({
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({ user: { id: user.login, managerId: null, companyId: 'x', ...user }, csrfToken: 'none' }),
    }),
  );
  await page.goto('/console/');
  await page.getByRole('button', { name: 'Выйти' }).waitFor();
}
