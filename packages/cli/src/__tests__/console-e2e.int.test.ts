/**
 * The operator console end to end, in a real headless Chromium against
 * `rtv-ks serve` on real PostgreSQL and Redis with two service processes:
 * sign in with a token; stop a platform and see its receipt reach 2/2; a
 * global switch's release requested by alice is refused to alice and
 * approved by bob; both show in the audit view, whose chain verifies against
 * the latest checkpoint; the banner shows when the server goes away. axe-core
 * finds no serious or critical violation on the main views, light and dark.
 * Screenshots of each step land in test-results/console/.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestBrowser, launchBrowser, seriousViolations } from './console/browser';
import { type ConsoleStack, ROOT, startConsoleStack } from './console/stack';

const RESULTS = join(ROOT, 'test-results', 'console');
const LIVE_MS = 20_000;

let stack: ConsoleStack;
let browser: TestBrowser;
let page: Page;
const switches = { tiktok: '', everything: '' };

beforeAll(async () => {
  stack = await startConsoleStack();
  const everything = await stack.service.create({
    scope: 'global',
    targetType: 'all',
    targetValue: '*',
    createdBy: 'user:setup',
  });
  switches.everything = everything.id;
  browser = await launchBrowser(RESULTS);
  page = browser.page;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
}, 60_000);

async function expectAccessible(view: string): Promise<void> {
  const violations = await seriousViolations(page);
  expect(violations, `${view}: ${JSON.stringify(violations, null, 1)}`).toEqual([]);
}

async function signIn(token: string): Promise<void> {
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Now', level: 1 }).waitFor();
  await page.locator('#live-state', { hasText: 'live' }).waitFor({ timeout: LIVE_MS });
}

/** Through the Stop view: search, open the confirmation, read the blast radius, confirm, wait for the 2/2 receipt. */
async function stopInConsole(search: string, label: string, blast: string, shot?: string): Promise<void> {
  await page.getByRole('link', { name: 'Stop' }).click();
  await page.getByLabel('Search switches and targets').fill(search);
  await page.getByRole('button', { name: `Stop ${label}…` }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.locator('.blast').textContent()).resolves.toBe(`This will BLOCK ${blast}.`);
  await dialog.getByLabel('Reason code').selectOption('incident');
  await dialog.getByLabel('Reason', { exact: true }).fill(`console test: ${label} misbehaves`);
  if (shot) {
    await browser.shot(shot);
    await expectAccessible('stop confirmation');
  }
  await dialog.getByRole('button', { name: `Stop ${label}` }).click();
  await page.locator('#stop-receipt', { hasText: 'stopped on 2/2 instances' }).waitFor({ timeout: LIVE_MS });
}

describe('the operator console in a real browser', () => {
  it('signs in with a token and shows the fleet', async () => {
    await page.goto(`${stack.baseUrl}/`);
    await page.getByLabel('API token').waitFor();
    await browser.shot('01-sign-in');
    await expectAccessible('sign in');
    await signIn(stack.tokens.alice);
    await page.locator('#fleet-title', { hasText: 'Fleet: 2 instances' }).waitFor();
    await expect(page.locator('.tile.current').count()).resolves.toBe(2);
    await expect(page.locator('.who').textContent()).resolves.toContain('user:alice (admin)');
    // The server's state is operational: no stale-state warning.
    await expect(page.locator('#state-health').count()).resolves.toBe(0);
    await browser.shot('02-now');
    await expectAccessible('now');
    // Keyboard: the skip link moves focus to the content and stays on the view.
    await page.locator('.skip').focus();
    await page.keyboard.press('Enter');
    await page.locator('#main:focus').waitFor();
    await page.getByRole('heading', { name: 'Now', level: 1 }).waitFor();
  }, 60_000);

  it('creates a switch for a platform, stops it and shows its receipt reaching 2/2', async () => {
    await page.getByRole('link', { name: 'Stop' }).click();
    await page.getByText('No switch for this target? Create one').click();
    await page.getByLabel('Blast radius (scope)').selectOption('platform');
    await page.getByLabel('Target type').selectOption('platform');
    await page.getByLabel('Target', { exact: true }).fill('tiktok');
    await page.getByRole('button', { name: 'Create switch' }).click();
    await page.locator('.message.ok', { hasText: 'Created platform:tiktok (not active)' }).waitFor();
    const created = (await stack.service.list()).find((sw) => sw.targetValue === 'tiktok');
    expect(created).toMatchObject({ scope: 'platform', isActive: false });
    switches.tiktok = created?.id ?? '';
    await stopInConsole(
      'tiktok',
      'platform:tiktok',
      'every action on platform tiktok of EVERY client',
      '03-stop-confirm',
    );
    await browser.shot('04-stop-receipt');
    expect((await stack.service.getById(switches.tiktok)).isActive).toBe(true);
    await page.getByRole('link', { name: 'Now' }).click();
    const card = page.locator(`section[aria-label="A platform"] [data-switch="${switches.tiktok}"]`);
    await card.waitFor();
    await expect(card.textContent()).resolves.toContain('stopped on 2/2 instances, p99');
    await expect(card.textContent()).resolves.toContain('user:alice');
    await expect(page.locator('section[aria-label="A platform"]').textContent()).resolves.toContain('platform tiktok');
    await browser.shot('05-now-active');
  }, 60_000);

  it('refuses a global release approved by the person who asked for it', async () => {
    await stopInConsole('every platform', 'all', 'every action on every platform of EVERY client');
    await page.getByRole('link', { name: 'Release' }).click();
    await page.getByRole('button', { name: 'Release all…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason code').selectOption('incident-resolved');
    await dialog.getByLabel('Reason', { exact: true }).fill('console test: the incident is over');
    await dialog.getByRole('button', { name: 'Release' }).click();
    await page.locator('.message', { hasText: 'a second person must approve' }).waitFor();
    await page.getByRole('button', { name: 'Approve release of all' }).click();
    await page.locator('.message.error', { hasText: 'the requester may not approve' }).waitFor();
    await browser.shot('06-self-approval-refused');
    await expectAccessible('release');
    expect((await stack.service.getById(switches.everything)).isActive).toBe(true);
  }, 60_000);

  it('releases it when a second person approves', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(stack.tokens.bob);
    await page.getByRole('link', { name: 'Release' }).click();
    await page.getByRole('button', { name: 'Approve release of all' }).click();
    await page.locator('.message.ok', { hasText: 'Approved' }).waitFor();
    await page.locator('#pending-title', { hasText: 'Waiting for a second person: 0' }).waitFor({ timeout: LIVE_MS });
    expect((await stack.service.getById(switches.everything)).isActive).toBe(false);
    await browser.shot('07-approved-by-bob');
  }, 60_000);

  it('shows both actions in the audit view and verifies the chain against the latest checkpoint', async () => {
    await page.getByRole('link', { name: 'Incidents and audit' }).click();
    const rows = page.locator('table.audit tbody tr');
    await rows.first().waitFor();
    const trail = await rows.allTextContents();
    expect(trail.some((r) => r.includes('KILL_SWITCH_ACTIVATED') && r.includes('user:alice'))).toBe(true);
    expect(trail.some((r) => r.includes('KILL_SWITCH_RELEASE_REQUESTED') && r.includes('user:alice'))).toBe(true);
    expect(trail.some((r) => r.includes('ADMIN_ACCESS_DENIED') && r.includes('user:alice'))).toBe(true);
    expect(trail.some((r) => r.includes('KILL_SWITCH_RELEASE_APPROVED') && r.includes('user:bob'))).toBe(true);
    // Paging: the trail is longer than a page; Older and Newer move by cursor.
    const firstSeq = Number(await rows.first().locator('td').first().textContent());
    await page.getByRole('button', { name: 'Older' }).click();
    await page.getByText('Page 2').waitFor();
    await expect
      .poll(async () => Number(await rows.first().locator('td').first().textContent()))
      .toBeLessThan(firstSeq);
    await page.getByRole('button', { name: 'Newer' }).click();
    await page.getByText('Page 1').waitFor();
    await page.getByLabel('Actor').fill('user:bob');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(async () => (await rows.allTextContents()).every((r) => r.includes('user:bob'))).toBe(true);
    expect(await rows.count()).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Verify the chain' }).click();
    const verdict = page.locator('#verify-result');
    await verdict.filter({ hasText: 'Verified' }).waitFor();
    await expect(verdict.textContent()).resolves.toMatch(
      /chain intact over \d+ records; matches the latest checkpoint/,
    );
    await browser.shot('08-audit-verified');
    await expectAccessible('audit');
  }, 60_000);

  it('reads well on a phone and in dark mode', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByRole('link', { name: 'Now' }).click();
    await page.locator('#fleet-title').waitFor();
    await browser.shot('09-now-phone-dark');
    await expectAccessible('now, phone width, dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 900 });
  }, 60_000);

  it('loaded under the strict CSP without a violation', async () => {
    const response = await page.request.get(`${stack.baseUrl}/`);
    expect(response.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(browser.errors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
  });

  it('shows a banner when the live connection is lost', async () => {
    stack.server.kill('SIGTERM');
    await page.locator('#live-banner', { hasText: 'Live updates lost' }).waitFor({ timeout: LIVE_MS });
    await browser.shot('10-disconnected');
  }, 60_000);
});
