import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { TEST_CREDENTIALS } from './app';

/**
 * The console's browser tests: Debian's chromium driven by playwright-core. They need
 * `npm run build` (which `npm test` runs): the console is served from dist/console. Screenshots
 * go to a temporary folder, or to docs/console/ with UPDATE_CONSOLE_SCREENSHOTS=1.
 */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const BUILT = path.join(__dirname, '..', '..', 'dist', 'console', 'index.html');
export const SHOTS = process.env.UPDATE_CONSOLE_SCREENSHOTS
  ? path.join(__dirname, '..', '..', 'docs', 'console')
  : fs.mkdtempSync(path.join(os.tmpdir(), 'berth-console-shots-'));

export function requireBuiltConsole(): void {
  if (!fs.existsSync(BUILT)) {
    throw new Error(`the console is not built (${BUILT} is missing): run npm run build first`);
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

/** What went wrong in the page: console errors, uncaught exceptions, failed or refused requests. */
export function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`exception: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`failed: ${r.method()} ${r.url()}`));
  page.on('response', (r) => {
    if (r.status() >= 400) {
      const errorType = r.headers()['x-amzn-errortype'];
      problems.push(
        `status ${r.status()}${errorType ? ` ${errorType}` : ''}: ${r.request().method()} ${r.url()}`,
      );
    }
  });
  return problems;
}

/**
 * The problems `watch` saw, but for the ECR errors named (answers a page expects, such as
 * LifecyclePolicyNotFoundException for a repository without a policy) and the line the browser
 * logs for each of them.
 */
export function unexpected(problems: string[], expected: string[]): string[] {
  const answered = problems.filter((p) => expected.some((e) => p.startsWith(`status 400 ${e}:`)));
  let logged = answered.length;
  return problems.filter((p) => {
    if (answered.includes(p)) return false;
    if (logged > 0 && p.startsWith('console: Failed to load resource') && p.includes(' 400 ')) {
      logged -= 1;
      return false;
    }
    return true;
  });
}

export async function signIn(
  page: Page,
  url: string,
  secret = TEST_CREDENTIALS.secretAccessKey,
): Promise<void> {
  await page.goto(`${url}/console/`);
  await page.getByLabel('Access key id').fill(TEST_CREDENTIALS.accessKeyId);
  await page.getByLabel('Secret access key').fill(secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
