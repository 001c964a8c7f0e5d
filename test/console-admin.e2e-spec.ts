import {
  BatchDeleteImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
} from '@aws-sdk/client-ecr';
import * as path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { admin } from './support/accounts';
import { startTestApp, TEST_ADMIN_TOKEN, TEST_CREDENTIALS, TestApp } from './support/app';
import { awsCli } from './support/aws-cli';
import {
  launchChromium,
  requireBuiltConsole,
  SHOTS,
  signIn,
  unexpected,
  watch,
} from './support/console';
import { imageOf, randomBlob } from './support/gc';
import { applyLifecyclePolicies, pushImageTagged } from './support/lifecycle';

/**
 * The console's lifecycle policy page and admin pages in a real browser (Debian's chromium,
 * driven by playwright-core) against a real Berth on PostgreSQL, checked through the SDK, the
 * admin API and the AWS CLI; and keyboard-only use and a phone's width.
 */
const REPOSITORY = 'team/lifecycle';
const LIFECYCLE_URL = `/console/repositories/${encodeURIComponent(REPOSITORY)}/lifecycle-policy`;

const policy = (selection: object): string =>
  JSON.stringify(
    {
      rules: [
        {
          rulePriority: 1,
          description: 'Keep the newest old-* image',
          selection,
          action: { type: 'expire' },
        },
      ],
    },
    null,
    2,
  );

const KEEP_ONE_OLD = policy({
  tagStatus: 'tagged',
  tagPrefixList: ['old'],
  countType: 'imageCountMoreThan',
  countNumber: 1,
});

/** Presses Tab until the focused element's text is `text`, as a keyboard user would. */
async function tabTo(page: Page, text: string): Promise<void> {
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    // The page's own script, as a string: the test's TypeScript has no DOM types.
    const focused = await page.evaluate<string>(
      'document.activeElement ? document.activeElement.textContent.trim() : ""',
    );
    if (focused === text) return;
  }
  throw new Error(`Tab never reached "${text}"`);
}

async function tagsOf(ecr: ECRClient): Promise<string[]> {
  const out = await ecr.send(new DescribeImagesCommand({ repositoryName: REPOSITORY }));
  return (out.imageDetails ?? []).flatMap((d) => d.imageTags ?? []).sort();
}

describe('web console: lifecycle policy and admin pages', () => {
  let app: TestApp;
  let ecr: ECRClient;
  let browser: Browser;

  beforeAll(async () => {
    requireBuiltConsole();
    // No layer grace: what an expiry frees is garbage at once, for the collection pages.
    app = await startTestApp({ LAYER_GRACE: '0' });
    ecr = app.client();
    await ecr.send(new CreateRepositoryCommand({ repositoryName: REPOSITORY }));
    for (const tag of ['old-1', 'old-2', 'keep']) {
      await pushImageTagged(ecr, REPOSITORY, imageOf([randomBlob(20_000)], tag), tag);
    }
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const newPage = async (width = 1280, height = 800): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width, height } });
    return context.newPage();
  };

  it('validates a lifecycle policy as it is typed, previews it, applies it, and the image expires', async () => {
    const page = await newPage();
    const problems = watch(page);
    await signIn(page, app.url);
    await page.getByRole('heading', { name: 'Repositories' }).waitFor();
    await page.getByRole('link', { name: REPOSITORY }).click();
    await page.getByRole('link', { name: 'Lifecycle policy' }).click();
    await page.waitForURL(`${app.url}${LIFECYCLE_URL}`);

    const editor = page.getByLabel('Policy (JSON)');
    const check = page.locator('#policy-check');
    const previewButton = page.getByRole('button', { name: 'Run preview' });
    const applyButton = page.getByRole('button', { name: 'Apply policy' });
    await page.getByText('No policy yet').waitFor();
    expect(await check.textContent()).toBe('Valid: 1 rule.');

    // Checked as typed: broken JSON, then a shape the server refuses, each said in words.
    await editor.fill('{ "rules": [');
    expect(await check.textContent()).toMatch(/^Invalid: Not valid JSON: /);
    expect(await editor.getAttribute('aria-invalid')).toBe('true');
    expect(await previewButton.isDisabled()).toBe(true);
    expect(await applyButton.isDisabled()).toBe(true);
    await editor.fill(
      policy({ tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 1 }),
    );
    expect(await check.textContent()).toBe(
      'Invalid: rules[0].selection: tagStatus tagged requires tagPrefixList or tagPatternList',
    );
    // No policy yet is an ECR error the page expects, and nothing else went wrong.
    expect(unexpected(problems, ['LifecyclePolicyNotFoundException'])).toEqual([]);
    problems.length = 0;

    // What only the server checks comes back from it, with the ECR error name.
    await editor.fill(
      policy({
        tagStatus: 'tagged',
        tagPatternList: ['a*b*c*d*e*f'],
        countType: 'imageCountMoreThan',
        countNumber: 1,
      }),
    );
    expect(await check.textContent()).toBe('Valid: 1 rule.');
    await previewButton.click();
    const refusal = page.getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(
      /^InvalidParameterException: .*pattern 'a\*b\*c\*d\*e\*f' has more than 4 wildcards/,
    );
    expect(unexpected(problems, ['InvalidParameterException'])).toEqual([]);
    problems.length = 0;

    // The preview lists what the policy would expire: the older old-* image.
    await editor.fill(KEEP_ONE_OLD);
    expect(await check.textContent()).toBe('Valid: 1 rule.');
    await previewButton.click();
    const rows = page.locator('table.preview tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('old-1');
    await page.getByText('It would expire 1 image now:').waitFor();
    expect(await tagsOf(ecr)).toEqual(['keep', 'old-1', 'old-2']);
    await page.screenshot({ path: path.join(SHOTS, 'lifecycle.png'), fullPage: true });

    // Applying asks first; cancelled, nothing is stored.
    await applyButton.click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await applyButton.click();
    await dialog.getByRole('button', { name: 'Apply policy' }).click();
    await page.getByText('Lifecycle policy applied.', { exact: false }).waitFor();
    const stored = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: REPOSITORY }));
    expect(stored.lifecyclePolicyText).toBe(KEEP_ONE_OLD);

    // Its evaluation expires old-1 and only it.
    const run = await applyLifecyclePolicies(app.url);
    expect(run.repositories.flatMap((r) => r.expired.map((e) => e.imageTags))).toEqual([['old-1']]);
    expect(await tagsOf(ecr)).toEqual(['keep', 'old-2']);

    // Reopened, the page shows the policy in force.
    await page.reload();
    await page.getByText('A policy is in force').waitFor();
    expect(await editor.inputValue()).toBe(KEEP_ONE_OLD);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('admin: signs in with the token, creates an account and a key whose secret is shown once and works, deactivates and deletes it', async () => {
    const page = await newPage();
    const problems = watch(page);
    await page.goto(`${app.url}/console/admin/`);
    await page.getByLabel('Admin token').fill('not-the-admin-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const refused = page.getByRole('alert');
    await refused.waitFor();
    expect(await refused.textContent()).toMatch(/^Sign-in failed: Unauthorized \(401\): /);
    expect(await page.evaluate<number>('sessionStorage.length')).toBe(0);
    problems.length = 0; // the refused token's 401, on purpose

    await page.getByLabel('Admin token').fill(TEST_ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Accounts' }).waitFor();
    await page.getByRole('cell', { name: app.config.registryId }).waitFor();

    await page.getByLabel('Account id').fill('210000000001');
    await page.getByLabel('Name').fill('team-b');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('Account 210000000001 created.').waitFor();
    await page.getByRole('link', { name: '210000000001' }).click();
    await page.waitForURL(`${app.url}/console/admin/accounts/210000000001`);
    await page.getByText('No access key.').waitFor();

    await page.getByLabel('Description').fill('ci');
    await page.getByRole('button', { name: 'Create access key' }).click();
    const shown = page.getByRole('region', { name: 'New secret access key' });
    await shown.waitFor();
    const secretAccessKey = (await shown.locator('.secret-value').textContent()) ?? '';
    const keyRow = page.locator('table.keys tbody tr').first();
    await keyRow.waitFor();
    const accessKeyId = ((await keyRow.locator('code').textContent()) ?? '').trim();
    expect(accessKeyId).toMatch(/^AKIA/);
    expect(secretAccessKey.length).toBeGreaterThanOrEqual(40);
    expect(await keyRow.textContent()).toContain('Active');

    // The secret works with the AWS CLI.
    const credentials = { accessKeyId, secretAccessKey };
    const ok = await awsCli(app.url, ['ecr', 'describe-repositories'], { credentials });
    expect(ok.code).toBe(0);
    expect(ok.json).toEqual({ repositories: [] });

    // Shown once: gone after Done, and not shown again when the page is opened again.
    await shown.getByRole('button', { name: 'Done' }).click();
    await shown.waitFor({ state: 'hidden' });
    await page.reload();
    await keyRow.waitFor();
    expect(await page.content()).not.toContain(secretAccessKey);
    expect(await page.evaluate<string>('JSON.stringify(sessionStorage)')).not.toContain(
      secretAccessKey,
    );
    await page.screenshot({ path: path.join(SHOTS, 'admin-account.png') });

    // Deactivated (confirmed), the key no longer signs.
    await page.getByRole('button', { name: `Deactivate ${accessKeyId}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Deactivate' }).click();
    await page.getByText(`Access key ${accessKeyId} is inactive.`).waitFor();
    expect(await keyRow.textContent()).toContain('Inactive');
    const refusedCli = await awsCli(app.url, ['ecr', 'describe-repositories'], { credentials });
    expect(refusedCli.code).not.toBe(0);

    // Deleted (confirmed), it is gone from the admin API.
    await page.getByRole('button', { name: `Delete ${accessKeyId}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByText(`Access key ${accessKeyId} deleted.`).waitFor();
    await page.getByText('No access key.').waitFor();
    expect((await admin(app.url, 'GET', `/admin/v1/access-keys/${accessKeyId}`)).status).toBe(404);

    // The account goes too, back to the list.
    await page.getByRole('button', { name: 'Delete account' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL(`${app.url}/console/admin/accounts`);
    expect((await admin(app.url, 'GET', '/admin/v1/accounts/210000000001')).status).toBe(404);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('admin: shows storage per account and repository, a dry run and the last collections', async () => {
    const page = await newPage();
    const problems = watch(page);
    await page.goto(`${app.url}/console/admin/storage`);
    await page.getByLabel('Admin token').fill(TEST_ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();

    const account = await admin<{ storedBytes: number }>(
      app.url,
      'GET',
      `/admin/v1/accounts/${app.config.registryId}`,
    );
    const repos = await admin<{ items: { imageCount: number; layerCount: number }[] }>(
      app.url,
      'GET',
      `/admin/v1/repositories?name=${encodeURIComponent(REPOSITORY)}`,
    );
    const [repo] = repos.json.items;
    const accountRow = page
      .locator('table.account-storage tbody tr')
      .filter({ hasText: app.config.registryId });
    await accountRow.waitFor();
    expect(account.json.storedBytes).toBeGreaterThan(0);
    expect(await accountRow.locator('td.num').textContent()).toMatch(/^\d+(\.\d)? KiB$/);
    const repoRow = page
      .locator('table.repository-storage tbody tr')
      .filter({ hasText: REPOSITORY });
    await repoRow.waitFor();
    const cells = await repoRow.locator('td').allTextContents();
    expect(cells.slice(0, 4)).toEqual([
      REPOSITORY,
      app.config.registryId,
      String(repo.imageCount),
      String(repo.layerCount),
    ]);
    await page.screenshot({ path: path.join(SHOTS, 'admin-storage.png'), fullPage: true });

    // Garbage: an image deleted through the SDK leaves its layers unreferenced.
    await ecr.send(
      new BatchDeleteImageCommand({ repositoryName: REPOSITORY, imageIds: [{ imageTag: 'keep' }] }),
    );
    await page.getByRole('link', { name: 'Garbage collection' }).click();
    await page.waitForURL(`${app.url}/console/admin/garbage-collection`);
    await page.getByRole('button', { name: 'Dry run' }).click();
    const report = page.locator('.report');
    await report.getByText('A collection now would remove').waitFor();
    const dry = await admin<{ layers: number; blobs: number }>(
      app.url,
      'POST',
      '/admin/v1/maintenance/collect-garbage',
      { dryRun: true },
    );
    expect(dry.json.layers).toBe(2);
    expect(await report.locator('dd').allTextContents()).toEqual(
      expect.arrayContaining([String(dry.json.layers), String(dry.json.blobs)]),
    );

    await page.getByRole('button', { name: 'Collect now' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Collect now' }).click();
    await report.getByRole('heading', { name: 'Removed' }).waitFor();
    const latest = page.locator('table.collections tbody tr').first();
    await latest.filter({ hasText: 'admin API' }).waitFor();
    expect((await latest.locator('td').allTextContents()).slice(1, 4)).toEqual([
      'admin API',
      String(dry.json.layers),
      String(dry.json.blobs),
    ]);
    // The lifecycle evaluation's collection is there too, as an automatic one.
    await page.locator('table.collections').getByText('automatic').first().waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'admin-gc.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('runs a main flow with the keyboard only: sign in, open a repository, preview its policy', async () => {
    const page = await newPage();
    const problems = watch(page);
    await page.goto(`${app.url}/console/`);
    // The form renders after the load event: the keys wait for it, as a person's eyes would.
    await page.getByLabel('Access key id').waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.type(TEST_CREDENTIALS.accessKeyId);
    await page.keyboard.press('Tab');
    await page.keyboard.type(TEST_CREDENTIALS.secretAccessKey);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Repositories' }).waitFor();
    await page.getByRole('link', { name: REPOSITORY }).waitFor();

    await tabTo(page, REPOSITORY);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${app.url}/console/repositories/team%2Flifecycle`);
    await tabTo(page, 'Lifecycle policy');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${app.url}${LIFECYCLE_URL}`);
    await page.getByLabel('Policy (JSON)').waitFor();
    await tabTo(page, 'Run preview');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Preview' }).waitFor();

    // The confirmation opens on Cancel, and Escape closes it.
    await tabTo(page, 'Apply policy');
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    expect(
      await page.evaluate<string>(
        'document.activeElement ? document.activeElement.textContent : ""',
      ),
    ).toBe('Cancel');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it.each([
    ['the repositories', '/console/', 'Repositories'],
    ['the lifecycle policy', LIFECYCLE_URL, `Lifecycle policy of ${REPOSITORY}`],
  ])('renders %s at a phone width (390x844) with no horizontal scroll', async (_, url, title) => {
    const page = await newPage(390, 844);
    await signIn(page, app.url);
    await page.getByRole('heading', { name: 'Repositories' }).waitFor();
    await page.goto(`${app.url}${url}`);
    await page.getByRole('heading', { name: title }).waitFor();
    await page.waitForFunction('document.querySelectorAll(".loading").length === 0');
    const overflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    expect(overflow).toBe(0);
    await page.context().close();
  });
});
