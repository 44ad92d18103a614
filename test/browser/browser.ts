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
export async function createUser(h: Harness, user: { login: string; name: string; roles: string[]; managerId?: string | null; password?: string }): Promise<{ id: number; login: string; password: string }> {
  const password = user.password ?? `Пароль-${user.login}-2026`;
  const res = await h.request({ method: 'POST', url: '/v1/users', payload: { ...user, password } });
  expect(res.statusCode, res.body).toBe(201);
  return { id: (res.json() as { id: number }).id, login: user.login, password };
}

export const ALL_ROLES = ['events:write', 'journal:read', 'journal:write', 'templates:read', 'templates:write', 'settings:admin'];

/** Signs in through the form, as a person does. */
export async function signIn(page: Page, login: string, password: string): Promise<void> {
  await page.goto('/console/');
  await page.getByLabel('Логин').fill(login);
  await page.getByLabel('Пароль').fill(password);
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.getByRole('button', { name: 'Выйти' }).waitFor();
}

