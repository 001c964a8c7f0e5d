import { CreateRepositoryCommand, DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import * as path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { startTestApp, TestApp } from './support/app';
import { launchChromium, requireBuiltConsole, SHOTS, signIn, watch } from './support/console';
import { pushImageBlobs, putImage } from './support/images';

/**
 * The web console in a real browser (Debian's chromium, driven by playwright-core) against a real
 * Berth on PostgreSQL: the headers, sign-in, the repositories, repository and image pages. The
 * lifecycle and admin pages are in console-admin.e2e-spec.ts.
 */
describe('web console', () => {
  let app: TestApp;
  let ecr: ECRClient;
  let browser: Browser;
  let digest: string;
  const repositoryName = 'team/app';

  beforeAll(async () => {
    requireBuiltConsole();
    app = await startTestApp();
    ecr = app.client();
    await ecr.send(new CreateRepositoryCommand({ repositoryName }));
    const built = await pushImageBlobs(
      ecr,
      repositoryName,
      'application/vnd.oci.image.manifest.v1+json',
    );
    digest = await putImage(ecr, repositoryName, built.manifest, 'v1');
    await putImage(ecr, repositoryName, built.manifest, 'latest');
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const newPage = async (): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    return context.newPage();
  };

  it('is served with a strict CSP, no framing and no referrer, deep links included', async () => {
    for (const p of ['/console/', '/console/repositories/team%2Fapp/images/sha256:00']) {
      const res = await fetch(`${app.url}${p}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      const html = await res.text();
      expect(html).toContain('<div id="root">');
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    }
    const redirect = await fetch(`${app.url}/console`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/console/');
    expect((await fetch(`${app.url}/console/assets/missing-0000.js`)).status).toBe(404);
  });

  it('says a wrong secret is wrong, with the ECR error name, and keeps nothing', async () => {
    const page = await newPage();
    await signIn(page, app.url, 'not-the-secret-0000000000000000000000000');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/^Sign-in failed: InvalidSignatureException: /);
    expect(await page.evaluate<number>('sessionStorage.length')).toBe(0);
    await page.context().close();
  });

  it('shows repositories, images and layers, deletes a tag, with no error on any page', async () => {
    const page = await newPage();
    const problems = watch(page);
    await signIn(page, app.url);

    // Repositories: the one created through the SDK, its image count and URI.
    const row = page.getByRole('row').filter({ hasText: repositoryName });
    await row.getByRole('cell').nth(2).filter({ hasText: /^1$/ }).waitFor();
    expect(await row.textContent()).toContain(
      `127.0.0.1:${new URL(app.url).port}/${repositoryName}`,
    );
    expect(await row.textContent()).toContain('MUTABLE');
    await page.screenshot({ path: path.join(SHOTS, 'repositories.png') });

    // A repository: the image with both tags, its size, the docker lines.
    await row.getByRole('link', { name: repositoryName }).click();
    await page.waitForURL(`${app.url}/console/repositories/team%2Fapp`);
    const imageRow = page.getByRole('row').filter({ hasText: digest.slice(0, 19) });
    await imageRow.waitFor();
    const imageText = (await imageRow.textContent()) ?? '';
    expect(imageText).toContain('v1');
    expect(imageText).toContain('latest');
    expect(imageText).toMatch(/\d+(\.\d)? KiB/);
    expect(imageText).toContain('application/vnd.oci.image.manifest.v1+json');
    await page
      .getByText(`docker pull 127.0.0.1:${new URL(app.url).port}/team/app:latest`)
      .waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'repository.png') });

    // An image: its layers with sizes and media types, its config, its manifest.
    await imageRow.getByRole('link').first().click();
    await page.waitForURL(`${app.url}/console/repositories/team%2Fapp/images/${digest}`);
    const layers = page.locator('table.layers tbody tr');
    await layers.first().waitFor();
    expect(await layers.count()).toBe(2);
    expect(await layers.nth(0).textContent()).toContain(
      'application/vnd.oci.image.layer.v1.tar+gzip',
    );
    await page.getByText('["/bin/sh"]').waitFor();
    await page.getByText('linux/amd64').waitFor();
    await page.getByText('No signatures, SBOMs or attestations refer to this image.').waitFor();
    expect(await page.locator('pre.manifest').textContent()).toContain('"schemaVersion": 2');
    await page.screenshot({ path: path.join(SHOTS, 'image.png'), fullPage: true });

    // A bookmark of the image page opens it again after a reload (the session is the tab's).
    await page.reload();
    await page.locator('table.layers tbody tr').first().waitFor();

    // Deleting the tag v1, confirmed, leaves the image with latest only (seen through the SDK).
    await page.getByRole('link', { name: repositoryName }).click();
    await page.getByRole('button', { name: 'Delete tag v1' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete tag' }).click();
    await page.getByText('Tag v1 deleted.').waitFor();
    const left = await ecr.send(new DescribeImagesCommand({ repositoryName }));
    expect(left.imageDetails?.map((d) => d.imageTags)).toEqual([['latest']]);
    expect(await imageRow.locator('td.tags').textContent()).toBe('latest×');

    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('returns to sign-in when the kept key no longer signs in', async () => {
    const page = await newPage();
    await signIn(page, app.url);
    await page.getByRole('heading', { name: 'Repositories' }).waitFor();
    // The page's own script, as a string: the test's TypeScript has no DOM types.
    await page.evaluate(`(() => {
      const key = 'berth.console.session';
      const s = JSON.parse(sessionStorage.getItem(key));
      sessionStorage.setItem(key, JSON.stringify({ ...s, secretAccessKey: 'revoked-0000000000' }));
    })()`);
    await page.reload();
    await page.getByText(/^Signed out: InvalidSignatureException/).waitFor();
    await page.getByLabel('Secret access key').waitFor();
    expect(await page.evaluate<number>('sessionStorage.length')).toBe(0);
    await page.context().close();
  });
});
