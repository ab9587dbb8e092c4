// The web UI end to end: the SPA is built (Vite) into a temporary folder, served by a portal
// started in-process on a free port, and driven by playwright-core in Debian's Chromium.
// Screenshots land in test-output/screenshots/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { buildWeb } from '../src/index.ts';
import { startTestPortal } from './portal.ts';
import type { TestPortal } from './portal.ts';

const CHROMIUM = '/usr/bin/chromium';
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const SHOTS = path.join(REPO, 'test-output', 'screenshots');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`[portal web tests] skipped: ${CHROMIUM} is absent (apt-get install chromium)`);

let webDir: string;
let portal: TestPortal;
let url: string;
let browser: Browser;

beforeAll(async () => {
  webDir = await mkdtemp(path.join(tmpdir(), 'portal-web-'));
  await buildWeb({ outDir: webDir, logLevel: 'error' });
  await mkdir(SHOTS, { recursive: true });
  portal = await startTestPortal({ webDir });
  url = await portal.app.listen({ port: 0, host: '127.0.0.1' });
  if (haveChromium) {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
  }
});

afterAll(async () => {
  await browser?.close();
  await portal?.close();
  await rm(webDir, { recursive: true, force: true });
});

async function newPage(lang?: 'ru' | 'en'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  (page as Page & { problems?: string[] }).problems = problems;
  if (lang !== undefined) await context.addInitScript((l) => localStorage.setItem('tamga.lang', l), lang);
  await page.goto(url);
  return page;
}

function problemsOf(page: Page): string[] {
  return (page as Page & { problems?: string[] }).problems ?? [];
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `portal-${name}.png`), fullPage: true });
}

/** Signs in with the keyboard only: the username field has focus on arrival. */
async function signInByKeyboard(page: Page, username: string, password: string): Promise<void> {
  await page.getByRole('heading', { level: 1 }).waitFor();
  await page.keyboard.type(username);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
}

describe('web UI build', () => {
  it('typechecks the React sources', () => {
    const tsc = spawnSync(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', path.join(REPO, 'services/portal/web/tsconfig.json')], { encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });

  it('has every English string in Russian too, with the same placeholders', async () => {
    const read = async (lang: string) => JSON.parse(await readFile(path.join(REPO, 'services/portal/web/src/i18n', `${lang}.json`), 'utf8')) as Record<string, string>;
    const [en, ru] = await Promise.all([read('en'), read('ru')]);
    expect(Object.keys(ru).sort()).toEqual(Object.keys(en).sort());
    const placeholders = (text: string) => (text.match(/\{\w+\}/g) ?? []).sort();
    for (const [key, text] of Object.entries(en)) expect(placeholders(ru[key] ?? ''), key).toEqual(placeholders(text));
  });

  it('is served with a strict content security policy', async () => {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(await res.text()).toContain('<div id="root">');
  });
});

describe.skipIf(!haveChromium)('web UI in Chromium', () => {
  it('opens in Russian, shows a wrong password next to the password field, and switches to English', async () => {
    const page = await newPage();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Вход в Tamga');
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('ru');
    await shot(page, 'sign-in-ru');

    await signInByKeyboard(page, 'analyst', 'not the password');
    const passwordField = page.locator('.field', { has: page.getByLabel('Пароль', { exact: true }) });
    await expect(passwordField.getByRole('alert').textContent()).resolves.toBe('Неверное имя пользователя или пароль.');
    await expect(page.getByLabel('Пароль', { exact: true }).getAttribute('aria-invalid')).resolves.toBe('true');
    await shot(page, 'sign-in-wrong-password');

    await page.getByRole('button', { name: 'English' }).click();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Sign in to Tamga');
    await expect(page.getByLabel('Username').isVisible()).resolves.toBe(true);
    await shot(page, 'sign-in-en');
    expect(problemsOf(page)).toEqual([]);
    await page.context().close();
  });

  it('lets an administrator sign in and create a user with the keyboard only', async () => {
    const page = await newPage('en');
    await signInByKeyboard(page, 'admin', portal.users.admin?.password ?? '');
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    // The list loads after the heading: wait for the row rather than sampling it once.
    await page.getByRole('cell', { name: 'investigator.customs' }).waitFor();
    await shot(page, 'admin-users');

    // A reload keeps the sign-in (refresh cookie); from the page start, Tab reaches the skip link first.
    await page.reload();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    // The user table arrives after the heading; press Tab on the finished page.
    await page.getByRole('cell', { name: 'investigator.customs' }).waitFor();
    // Where Chromium starts Tab after a reload depends on restored scroll and focus state, so the
    // order is read from the page: the skip link is the first element Tab can reach, and no
    // positive tabindex reorders the page.
    const order = await page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLElement>('a[href], button, input, select, textarea, [tabindex]'))
        .filter((el) => el.tabIndex >= 0 && !(el as HTMLButtonElement).disabled)
        .map((el) => ({ text: el.textContent?.trim() ?? '', tabIndex: el.tabIndex })),
    );
    expect(order[0]?.text).toBe('Skip to content');
    expect(order.filter((el) => el.tabIndex > 0)).toEqual([]);
    // Activating it by keyboard moves focus past the navigation to the page's content.
    const routeBefore = page.url();
    await page.locator('a.skip').focus();
    await page.keyboard.press('Enter');
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('main');
    expect(page.url()).toBe(routeBefore);

    await page.getByLabel('Username').focus();
    await page.keyboard.type('tech2');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Timur Technician');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('status').filter({ hasText: 'tech2' }).textContent()).resolves.toMatch(/Initial password \(shown once\): [A-Za-z2-9]{20}/);
    await shot(page, 'admin-user-created');
    expect(problemsOf(page)).toEqual([]);
    await page.context().close();
  });

  it('shows an investigator only their screens and says when reporting is not reachable', async () => {
    const page = await newPage('ru');
    await signInByKeyboard(page, 'investigator.police', portal.users['investigator.police']?.password ?? '');
    await page.getByRole('heading', { name: 'Протоколы' }).waitFor();
    const nav = await page.getByRole('navigation').getByRole('link').allTextContents();
    expect(nav).toEqual(['Дела', 'Протоколы', 'Моя учётная запись', 'Проверить подлинность протокола']);
    await expect(page.getByRole('status').textContent()).resolves.toContain('пока недоступна');
    await shot(page, 'investigator-reports-ru');
    await page.context().close();
  });

  it('gives the technician a scan field that has focus and takes scanner input', async () => {
    const page = await newPage('en');
    await signInByKeyboard(page, 'technician', portal.users.technician?.password ?? '');
    await page.getByRole('heading', { name: 'Cases' }).waitFor();
    await shot(page, 'technician-cases');
    await page.getByRole('link', { name: 'Scan label' }).click();
    await page.getByRole('heading', { name: 'Scan a label' }).waitFor();
    await expect(page.evaluate(() => document.activeElement?.getAttribute('name'))).resolves.toBe('code');
    // A barcode scanner is a keyboard: the code, then Enter.
    await page.keyboard.type('TMG-2026-000001-01');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'not available' }).waitFor();
    await shot(page, 'technician-scan');
    await page.context().close();
  });

  it('changes the password from the account screen, with policy errors next to the field', async () => {
    const page = await newPage('en');
    const password = portal.users.reviewer?.password ?? '';
    await signInByKeyboard(page, 'reviewer', password);
    await page.getByRole('link', { name: 'My account' }).click();
    await page.getByLabel('Current password').fill(password);
    await page.getByLabel('New password').fill('short');
    await page.getByRole('button', { name: 'Change password' }).click();
    const field = page.locator('.field', { has: page.getByLabel('New password') });
    await expect(field.getByRole('alert').textContent()).resolves.toContain('at least 12 characters');
    await shot(page, 'account-weak-password');
    await page.getByLabel('New password').fill('a much longer passphrase');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed.').waitFor();
    await page.context().close();
  });

  it('offers the public verification page without signing in', async () => {
    const page = await newPage('en');
    await page.getByRole('link', { name: 'Verify a report' }).click();
    await page.getByRole('heading', { name: 'Verify a report' }).waitFor();
    await page.getByLabel('Choose the report PDF').setInputFiles({ name: 'report.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7\n%%EOF\n') });
    await page.getByRole('status').filter({ hasText: 'not available' }).waitFor();
    await shot(page, 'verify');
    await page.context().close();
  });
});
