import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MajlisClient } from 'majlis-client';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../server/test/support/server.js';

// The web client in a real browser: Debian's Chromium driven by playwright-core, against a real
// server that serves the built client at `/`. Two people in two browser contexts (one English,
// one Persian) register, start a direct chat and talk live.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const webDir = fileURLToPath(new URL('..', import.meta.url));
const repoDir = fileURLToPath(new URL('../../..', import.meta.url));
const SHOTS = process.env.MAJLIS_SCREENSHOT_DIR ?? join(repoDir, 'test-results', 'web');
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds the client unless dist/ is newer than every source (npm ci and npm run build make it). */
async function ensureBuilt(): Promise<void> {
  const index = join(webDir, 'dist', 'index.html');
  const sources = Math.max(newestMtime(join(webDir, 'src')), statSync(join(webDir, 'index.html')).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= sources) {
    return;
  }
  const { build } = await import('vite');
  await build({ configFile: join(webDir, 'vite.config.ts'), logLevel: 'warn' });
}

if (!hasChromium) {
  console.log(`web client browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
}

describe.skipIf(!hasChromium)(hasChromium ? 'web client in Chromium' : `web client in Chromium (skipped: no ${CHROMIUM})`, () => {
  let server: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    server = await startServer();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
    mkdirSync(SHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    for (const context of contexts) {
      await context.close().catch(() => {});
    }
    await browser?.close();
    await server?.close();
  });

  /** A fresh browser profile with its own storage, in a language; console errors are collected. */
  async function openPage(locale: string, name: string): Promise<Page> {
    const context = await browser.newContext({ locale, viewport: DESKTOP });
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') {
        problems.push(`${name} console: ${message.text()}`);
      }
    });
    page.on('pageerror', (error) => problems.push(`${name} page error: ${error.message}`));
    await page.goto(server.url);
    return page;
  }

  async function shoot(page: Page, file: string): Promise<void> {
    await page.screenshot({ path: join(SHOTS, file) });
  }

  it('two people register, start a direct chat and talk live, in English and Persian', async () => {
    // Amir, in English.
    const amir = await openPage('en-US', 'amir');
    expect(await amir.locator('html').getAttribute('dir')).toBe('ltr');
    await amir.getByRole('heading', { name: 'Log in' }).waitFor();
    await shoot(amir, 'en-desktop-login.png');
    await amir.getByRole('button', { name: 'New here? Create an account' }).click();
    await amir.getByLabel('Username').fill('amir_a');
    await amir.getByLabel('Email').fill('amir@example.com');
    await amir.getByLabel('Full name (optional)').fill('Amir');
    await amir.getByLabel('Password').fill('correct horse battery');
    await amir.getByRole('button', { name: 'Create account', exact: true }).click();
    await amir.getByRole('heading', { name: 'Chats' }).waitFor();

    // Bahar, in Persian: the whole page is right-to-left.
    const bahar = await openPage('fa-IR', 'bahar');
    expect(await bahar.locator('html').getAttribute('dir')).toBe('rtl');
    expect(await bahar.locator('html').getAttribute('lang')).toBe('fa');
    await bahar.setViewportSize(PHONE);
    await shoot(bahar, 'fa-phone-login.png');
    await bahar.setViewportSize(DESKTOP);
    await bahar.getByRole('button', { name: 'تازه آمده‌اید؟ حساب بسازید' }).click();
    await bahar.getByLabel('نام کاربری').fill('bahar_b');
    await bahar.getByLabel('ایمیل').fill('bahar@example.com');
    await bahar.getByLabel('نام کامل (اختیاری)').fill('بهار');
    await bahar.getByLabel('گذرواژه').fill('correct horse battery');
    await bahar.getByRole('button', { name: 'ساخت حساب', exact: true }).click();
    await bahar.getByRole('heading', { name: 'گفتگوها' }).waitFor();

    // Amir starts the direct chat by username and says hello.
    await amir.getByRole('button', { name: 'New chat' }).click();
    await amir.getByLabel('Username or email').fill('bahar_b');
    await shoot(amir, 'en-desktop-new-chat.png');
    await amir.getByRole('button', { name: 'Start chat' }).click();
    await amir.getByRole('heading', { name: 'بهار' }).waitFor();
    const amirComposer = amir.getByLabel('Message', { exact: true });
    await amirComposer.fill('سلام');
    await amirComposer.press('Enter');
    const amirList = amir.getByRole('region', { name: 'Messages' });
    await amirList.getByText('سلام', { exact: true }).waitFor();
    expect(await amirComposer.inputValue()).toBe('');

    // Bahar sees the new chat appear with its unread badge, without reloading.
    const row = bahar.getByRole('link', { name: /Amir/ });
    await row.waitFor();
    await expect.poll(() => row.locator('.badge').textContent()).toContain('۱');
    expect(await row.textContent()).toContain('سلام');
    await row.click();
    const baharList = bahar.getByRole('region', { name: 'پیام‌ها' });
    const hello = baharList.getByText('سلام', { exact: true });
    await hello.waitFor();
    // User text carries dir="auto": Persian renders right-to-left even in an English page.
    expect(await hello.getAttribute('dir')).toBe('auto');
    expect(await amirList.getByText('سلام', { exact: true }).evaluate((el) => (globalThis as any).getComputedStyle(el).direction)).toBe('rtl');

    // Bahar opened it: Amir's message turns "read".
    await amirList.getByRole('img', { name: 'Read' }).waitFor();

    // With the conversation open on both sides, messages arrive live.
    await amirComposer.fill('چطوری؟');
    await amirComposer.press('Enter');
    await baharList.getByText('چطوری؟', { exact: true }).waitFor();

    // Bahar types: Amir sees it; then she sends with Enter (Shift+Enter is a new line).
    const baharComposer = bahar.getByLabel('پیام', { exact: true });
    await baharComposer.pressSequentially('خوبم');
    await expect.poll(() => amir.getByTestId('conversation-status').textContent()).toBe('typing…');
    await shoot(amir, 'en-desktop-typing.png');
    await baharComposer.press('Shift+Enter');
    await baharComposer.pressSequentially('ممنون!');
    expect(await baharComposer.inputValue()).toBe('خوبم\nممنون!');
    await baharComposer.press('Enter');
    await amirList.getByText('خوبم\nممنون!').waitFor();
    await expect.poll(() => amir.getByTestId('conversation-status').textContent()).not.toBe('typing…');

    // A third person writes to Amir: the new chat goes to the top of his list, unread.
    const omid = new MajlisClient({ baseUrl: server.url });
    await omid.auth.register({ username: 'omid_o', email: 'omid@example.com', password: 'correct horse battery', full_name: 'Omid' });
    const { chat_id } = await omid.chats.openDirect({ identifier: 'amir_a' });
    server.clock.advance(60_000); // the test server's clock only moves by hand
    await omid.messages.send(chat_id, 'Hi Amir, are you there?');
    const amirRows = amir.getByRole('navigation', { name: 'Your chats' }).getByRole('link');
    await expect.poll(() => amirRows.first().textContent()).toContain('Omid');
    expect(await amirRows.first().locator('.badge').textContent()).toContain('1');
    // ... and a new message from Bahar moves hers back on top.
    server.clock.advance(60_000);
    await baharComposer.fill('یک پیام دیگر');
    await baharComposer.press('Enter');
    await expect.poll(() => amirRows.first().textContent()).toContain('بهار');

    // Screenshots for people to look at (test-results/web, or MAJLIS_SCREENSHOT_DIR).
    await shoot(amir, 'en-desktop-chat.png');
    await shoot(bahar, 'fa-desktop-chat.png');
    await amir.setViewportSize(PHONE);
    await bahar.setViewportSize(PHONE);
    await shoot(amir, 'en-phone-chat.png');
    await shoot(bahar, 'fa-phone-chat.png');
    await bahar.getByRole('link', { name: 'بازگشت به گفتگوها' }).click();
    await bahar.getByRole('heading', { name: 'گفتگوها' }).waitFor();
    await shoot(bahar, 'fa-phone-list.png');
    await amir.getByRole('link', { name: 'Back to chats' }).click();
    await shoot(amir, 'en-phone-list.png');

    // No CSP violation, failed request or script error on either side.
    expect(problems).toEqual([]);
  }, 120_000);

  it('loads a long history newest first, older pages on scrolling up, with day separators', async () => {
    const nadia = new MajlisClient({ baseUrl: server.url });
    await nadia.auth.register({ username: 'nadia_n', email: 'nadia@example.com', password: 'correct horse battery', full_name: 'Nadia' });
    const { chat_id } = await nadia.chats.openDirect({ identifier: 'amir_a' });
    for (let i = 1; i <= 70; i += 1) {
      if (i === 61) {
        server.clock.advance(86_400_000); // the last ten are a day later: a second day separator
      }
      await nadia.messages.send(chat_id, `history ${i}`);
    }

    const amir = await openPage('en-US', 'amir-history');
    await amir.getByLabel('Username or email').fill('amir_a');
    await amir.getByLabel('Password').fill('correct horse battery');
    await amir.getByRole('button', { name: 'Log in', exact: true }).click();
    await amir.getByRole('link', { name: /Nadia/ }).click();
    const list = amir.getByRole('region', { name: 'Messages' });
    await list.getByText('history 70', { exact: true }).waitFor();
    // The newest page (50) only, scrolled to the end.
    expect(await list.getByText('history 20', { exact: true }).count()).toBe(0);
    expect(await list.locator('.msg').count()).toBe(50);
    await list.getByRole('button', { name: 'Load older messages' }).waitFor();

    // Scrolling to the top fetches the page before (before_seq), and keeps the reader's place.
    await list.evaluate((el) => {
      el.scrollTop = 0;
    });
    await list.getByText('history 1', { exact: true }).waitFor();
    expect(await list.locator('.msg').count()).toBe(70);
    await list.getByText('This is the beginning of the conversation.').waitFor();
    expect(await list.evaluate((el) => el.scrollTop)).toBeGreaterThan(0);
    const days = await list.locator('li.day').allTextContents();
    expect(days).toHaveLength(2);
    expect(new Set(days).size).toBe(2);
    await shoot(amir, 'en-desktop-history.png');
    expect(problems).toEqual([]);
  }, 120_000);
});
