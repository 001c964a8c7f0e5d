import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTestApp, TestApp } from './support/app';
import { awsCli, AwsCliResult, findAwsCli } from './support/aws-cli';
import { keepNewest } from './support/lifecycle';

// The real AWS CLI v2 (botocore) putting and reading a lifecycle policy: it sends the text as
// the CLI reads it from a file, and turns lastEvaluatedAt's epoch seconds into a timestamp.

describe('the AWS CLI v2 and lifecycle policies', () => {
  let t: TestApp;
  let dir: string;
  const ecr = (...args: string[]): Promise<AwsCliResult> => awsCli(t.url, ['ecr', ...args]);

  beforeAll(async () => {
    findAwsCli(); // fails here, with how to install it, when the CLI is missing
    t = await startTestApp({ REGISTRY_ID: '123456789012' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cli-lifecycle-'));
  });
  afterAll(async () => {
    await t?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('put-lifecycle-policy from a file, get-lifecycle-policy, and the errors botocore reads', async () => {
    expect((await ecr('create-repository', '--repository-name', 'cli/lc')).code).toBe(0);
    const text = JSON.stringify(JSON.parse(keepNewest('release', 3, 1)), null, 2);
    const file = path.join(dir, 'policy.json');
    fs.writeFileSync(file, text);

    const [missing, put] = await Promise.all([
      ecr('get-lifecycle-policy', '--repository-name', 'cli/lc'),
      ecr(
        'put-lifecycle-policy',
        '--repository-name',
        'cli/nowhere',
        '--lifecycle-policy-text',
        `file://${file}`,
      ),
    ]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain(
      'An error occurred (LifecyclePolicyNotFoundException) when calling the GetLifecyclePolicy operation',
    );
    expect(missing.stderr).toContain(
      "Lifecycle policy does not exist for the repository with name 'cli/lc' in the registry with id '123456789012'",
    );
    expect(put.code).not.toBe(0);
    expect(put.stderr).toContain(
      'An error occurred (RepositoryNotFoundException) when calling the PutLifecyclePolicy operation',
    );

    const stored = await ecr(
      'put-lifecycle-policy',
      '--repository-name',
      'cli/lc',
      '--lifecycle-policy-text',
      `file://${file}`,
    );
    expect(stored.stderr).toBe('');
    expect(stored.code).toBe(0);
    expect(stored.json).toEqual({
      registryId: '123456789012',
      repositoryName: 'cli/lc',
      lifecyclePolicyText: text,
    });

    const invalid = await ecr(
      'put-lifecycle-policy',
      '--repository-name',
      'cli/lc',
      '--lifecycle-policy-text',
      text.replace('"expire"', '"delete"'),
    );
    expect(invalid.code).not.toBe(0);
    expect(invalid.stderr).toContain(
      'An error occurred (InvalidParameterException) when calling the PutLifecyclePolicy operation',
    );
    expect(invalid.stderr).toContain(
      `Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: rules[0].action.type: instance value ("delete") not found in enum (possible values: ["expire"])'`,
    );

    // Evaluated once, through the admin API, so that lastEvaluatedAt is there to read.
    const before = Date.now();
    const res = await fetch(`${t.url}/admin/v1/maintenance/apply-lifecycle-policies`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${t.config.adminToken}`,
        'content-type': 'application/json',
      },
      body: '{}',
    });
    expect(res.status).toBe(200);

    const got = await ecr('get-lifecycle-policy', '--repository-name', 'cli/lc');
    expect(got.code).toBe(0);
    const policy = got.json as {
      registryId: string;
      repositoryName: string;
      lifecyclePolicyText: string;
      lastEvaluatedAt: string;
    };
    expect(policy).toMatchObject({
      registryId: '123456789012',
      repositoryName: 'cli/lc',
      lifecyclePolicyText: text,
    });
    const evaluatedAt = Date.parse(policy.lastEvaluatedAt);
    expect(evaluatedAt).toBeGreaterThanOrEqual(before - 5000);
    expect(evaluatedAt).toBeLessThanOrEqual(Date.now() + 5000);
  });
});
