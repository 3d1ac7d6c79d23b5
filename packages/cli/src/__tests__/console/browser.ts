/**
 * A real headless Chromium for the console's end-to-end test: the system's
 * /usr/bin/chromium (browser downloads are not possible here; .ci/run
 * installs Debian's package when missing) driven by playwright-core, in a new
 * empty profile; axe-core injected to check accessibility; screenshots kept
 * under test-results/console/ for review.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

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

export interface TestBrowser {
  page: Page;
  /** Messages the page logged as errors: a Content-Security-Policy violation shows up here. */
  errors: string[];
  shot(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function launchBrowser(resultsDir: string): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The console test needs a Chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
  }
  mkdirSync(resultsDir, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'rtv-console-chromium-'));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  return {
    page,
    errors,
    shot: async (name) => {
      await page.screenshot({ path: join(resultsDir, `${name}.png`), fullPage: true });
    },
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core in the page (evaluated through the debugging protocol, so the
 * page's strict CSP stays on) and returns its serious and critical violations.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  const found = await page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is defined by the script just evaluated
    const result = await (globalThis as any).axe.run('html', { resultTypes: ['violations'] });
    // biome-ignore lint/suspicious/noExplicitAny: the result is plain JSON
    return result.violations.map((v: any) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      // biome-ignore lint/suspicious/noExplicitAny: the result is plain JSON
      nodes: v.nodes.map((n: any) => n.target.join(' ')),
    }));
  });
  return (found as AxeViolation[]).filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
